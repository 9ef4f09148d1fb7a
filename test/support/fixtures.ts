// Seeds influencers, products and links through the real domain functions.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import { createInfluencer } from '../../src/domain/organisations/influencers.ts';
import { getOrCreateLink } from '../../src/domain/links/links.ts';
import { upsertProduct } from '../../src/domain/links/products.ts';
import { unique } from './env.ts';

/** A new, empty organisation: each test owns its money, so other test files' data never mixes in. */
export async function newOrganisation(db: Db): Promise<number> {
  return (
    await db
      .insertInto('organisations')
      .values({ name: unique('org') })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

/** An influencer in an organisation of its own (unless one is given). */
export async function seedInfluencer(db: Db, opts: { marketplace?: string; displayName?: string; organisationId?: number } = {}) {
  const handle = unique('inf');
  const organisationId = opts.organisationId ?? (await newOrganisation(db));
  const { influencer, trackingId } = await createInfluencer(db, {
    handle,
    displayName: opts.displayName ?? `Influencer ${handle}`,
    trackingId: `${handle}-20`,
    marketplace: opts.marketplace ?? 'US',
    organisationId,
  });
  return { influencer, trackingId, handle, organisationId };
}

export function randomAsin(): string {
  const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let s = 'B0';
  for (let i = 0; i < 8; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

export async function seedLink(db: Db, influencerId: number, opts: { asin?: string; marketplace?: string; campaign?: string; title?: string } = {}) {
  const product = await upsertProduct(db, { asin: opts.asin ?? randomAsin(), marketplace: opts.marketplace ?? 'US' }, { title: opts.title ?? 'Test product' });
  const { link } = await getOrCreateLink(db, { influencerId, product, campaign: opts.campaign });
  return { product, link };
}

/** One confirmed commission line, an hour ago, on the `<handle>-20` tracking ID of an influencer set up with it. */
export async function seedEarning(db: Db, handle: string, amountMinor: number, product: { asin: string; name: string }) {
  const influencer = await db.selectFrom('influencers').select(['id', 'organisation_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
  await db
    .insertInto('ledger_entries')
    .values({
      organisation_id: influencer.organisation_id,
      network: 'amazon',
      line_key: unique('k'),
      kind: 'confirmed',
      tracking_id: `${handle}-20`,
      influencer_id: influencer.id,
      marketplace: 'US',
      asin: product.asin,
      product_name: product.name,
      category: 'Home',
      occurred_at: new Date(Date.now() - 3_600_000),
      quantity: 1,
      amount_minor: amountMinor,
      currency: 'USD',
      ingest_id: null,
      link_id: null,
      reverses_entry_id: null,
    })
    .execute();
}

/** The organisation of an influencer, as a value for an insert (a ledger line is its organisation's). */
export const organisationOf = (influencerId: number) => sql<number>`(SELECT organisation_id FROM influencers WHERE id = ${influencerId})`;

/** Dollar amounts as a person reads them in a reply, in order. */
export const dollarsIn = (text: string) => [...text.matchAll(/-?\$[\d,]+\.\d{2}/g)].map((m) => m[0]);

/** SQL for a link's organisation, for tests that write clicks themselves (a click carries its organisation). */
export function organisationOfLink(link: number | RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`(SELECT i.organisation_id FROM links k JOIN influencers i ON i.id = k.influencer_id WHERE k.id = ${link})`;
}
