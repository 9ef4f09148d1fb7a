// A report posted to the feeds API the way a network or script sends it, awaited until its ingest job is done
// (the ledger committed and its notifications queued).
import { expect } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { jobFinished } from './queues.ts';

/** `organisationId`: whose report it is (the operator's token names it with ?org=). */
export async function postFeed(
  app: Runtime & { url: string },
  body: string,
  opts: { token: string; network?: string; organisationId?: number },
): Promise<string> {
  const query = opts.organisationId === undefined ? '' : `?org=${opts.organisationId}`;
  const res = await fetch(`${app.url}/api/feeds/${opts.network ?? 'amazon'}${query}`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${opts.token}` },
  });
  expect(res.status).toBe(202);
  const { ingestId } = (await res.json()) as { ingestId: string };
  expect(await jobFinished(app.queues.ingest, ingestId)).toBe('completed');
  const row = await app.db.selectFrom('feed_ingests').select(['status', 'error']).where('id', '=', ingestId).executeTakeFirstOrThrow();
  expect(row, row.error ?? '').toMatchObject({ status: 'succeeded' });
  return ingestId;
}

/** The organisation of the influencer holding a tracking ID (whose reports credit it). */
export async function organisationOfTrackingId(app: Runtime, trackingId: string): Promise<number> {
  const row = await app.db
    .selectFrom('tracking_ids as t')
    .innerJoin('influencers as i', 'i.id', 't.influencer_id')
    .select('i.organisation_id')
    .where('t.tracking_id', '=', trackingId)
    .executeTakeFirstOrThrow();
  return row.organisation_id;
}
