// What every fault scenario needs around the service: the suite's database (read directly, never through the relay
// the service uses), uploads, readiness, and the checks that nothing was lost or doubled.
import { sql } from 'kysely';
import { inject } from 'vitest';
import type { Db } from '../../../src/db/database.ts';
import { seedInfluencer, seedLink } from '../../support/fixtures.ts';
import { waitFor } from '../../support/wait.ts';
import { FEED_TOKEN } from './service.ts';
import { Relay } from './relay.ts';

/** A relay in front of the suite's Postgres, and the database URL that goes through it. */
export async function postgresRelay(): Promise<{ relay: Relay; databaseUrl: string }> {
  const direct = new URL(inject('databaseUrl'));
  const relay = await Relay.start({ host: direct.hostname, port: Number(direct.port || 5432) });
  return { relay, databaseUrl: relay.via(direct.toString()) };
}

export async function newOrganisation(db: Db, name: string): Promise<number> {
  return (await db.insertInto('organisations').values({ name }).returning('id').executeTakeFirstOrThrow()).id;
}

/** An influencer with `n` links (their codes and ids). */
export async function seedLinks(db: Db, n: number): Promise<Array<{ code: string; id: number }>> {
  const { influencer } = await seedInfluencer(db);
  const links = [];
  for (let i = 0; i < n; i++) links.push((await seedLink(db, influencer.id)).link);
  return links.map((l) => ({ code: l.code, id: l.id }));
}

export interface Upload {
  status: number;
  ms: number;
  ingestId?: string | undefined;
  error?: string | undefined;
}

/** POST /api/feeds/amazon?org=… with the operator's token; its answer and how long it took. */
export async function upload(url: string, csv: string, organisationId: number): Promise<Upload> {
  const t = performance.now();
  try {
    const res = await fetch(`${url}/api/feeds/amazon?org=${organisationId}&marketplace=US`, {
      method: 'POST',
      body: csv,
      headers: { authorization: `Bearer ${FEED_TOKEN}` },
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { ingestId?: string; error?: string };
    return { ingestId: body.ingestId, error: body.error, status: res.status, ms: performance.now() - t };
  } catch (err) {
    return { status: 0, ms: performance.now() - t, error: (err as Error).message };
  }
}

export async function readyz(url: string): Promise<{ status: number; body: Record<string, string> }> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  } catch (err) {
    return { status: 0, body: { error: (err as Error).message } };
  }
}

/** Resolves with the seconds from `since` (Date.now()) to /readyz answering 200 with every scheduler in place. */
export async function secondsToReady(url: string, since: number, timeoutMs = 30_000): Promise<number> {
  await waitFor(
    () => readyz(url),
    (r) => r.status === 200 && (r.body.schedulers === undefined || r.body.schedulers === 'ok'),
    timeoutMs,
  );
  return (Date.now() - since) / 1000;
}

export async function ingestOf(db: Db, id: string) {
  return db.selectFrom('feed_ingests').select(['status', 'error', 'counts']).where('id', '=', id).executeTakeFirstOrThrow();
}

/** Waits until every ingest has succeeded; the seconds from `since`. */
export async function secondsToIngested(db: Db, ids: string[], since: number, timeoutMs = 60_000): Promise<number> {
  // `failed` is not final here: an attempt that fails records it, and the retry sets it running again.
  await waitFor(
    () => db.selectFrom('feed_ingests').select(['id', 'status', 'error']).where('id', 'in', ids).execute(),
    (r) => r.length === ids.length && r.every((i) => i.status === 'succeeded'),
    timeoutMs,
  );
  return (Date.now() - since) / 1000;
}

/** The organisation's ledger: its total in cents and its number of lines. */
export async function ledgerOf(db: Db, organisationId: number): Promise<{ cents: number; lines: number }> {
  const r = await db
    .selectFrom('ledger_entries')
    .select([sql<number>`coalesce(sum(amount_minor), 0)::bigint`.as('cents'), sql<number>`count(*)::int`.as('lines')])
    .where('organisation_id', '=', organisationId)
    .executeTakeFirstOrThrow();
  return { cents: Number(r.cents), lines: r.lines };
}

export async function clicksOf(db: Db, linkIds: number[]): Promise<number> {
  const r = await db
    .selectFrom('clicks')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('link_id', 'in', linkIds)
    .executeTakeFirstOrThrow();
  return r.n;
}

/** Waits for the click buffer to have written every answered redirect (and no more); the count recorded. */
export async function clicksSettled(db: Db, linkIds: number[], answered: number): Promise<number> {
  return waitFor(
    () => clicksOf(db, linkIds),
    (n) => n >= answered,
    30_000,
  );
}

/** Terminates every Postgres connection of a service (by its application_name); how many there were. */
export async function terminateBackends(db: Db, name: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = ${`faults-${name}`}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** Waits until one of the services is COPYing a report into its staging table; its name. */
export async function copyUnderWay(db: Db, names: string[], timeoutMs = 30_000): Promise<string> {
  const apps = names.map((n) => `faults-${n}`);
  const { rows } = await waitFor(
    () =>
      sql<{
        app: string;
      }>`SELECT application_name AS app FROM pg_stat_activity WHERE application_name IN (${sql.join(apps)}) AND state = 'active' AND query LIKE 'COPY staging%'`.execute(
        db,
      ),
    (r) => r.rows.length > 0,
    timeoutMs,
  );
  return rows[0]!.app.slice('faults-'.length);
}

/** Waits until the service's click buffer depth (affiliate_click_buffer_depth on its /metrics) satisfies `done`. */
export async function clickBufferDepth(url: string, done: (depth: number) => boolean, timeoutMs = 30_000): Promise<number> {
  return waitFor(
    async () => {
      try {
        const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
        return Number(/^affiliate_click_buffer_depth (\d+)/m.exec(text)?.[1] ?? NaN);
      } catch {
        return NaN;
      }
    },
    (depth) => !Number.isNaN(depth) && done(depth),
    timeoutMs,
  );
}

/** Waits until the service's click buffer holds nothing. */
export async function clickBufferEmpty(url: string, timeoutMs = 30_000): Promise<void> {
  await clickBufferDepth(url, (n) => n === 0, timeoutMs);
}
