// Direct inserts for digest tests: an organisation of one's own, influencers with a link each, clicks and
// ledger lines at chosen instants. Bulk statements, so a 1,000-influencer roster seeds in a second.
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import type { ClickKind, LedgerKind, LedgerReportType } from '../../src/db/schema.ts';
import { newOrganisation, organisationOfLink, randomAsin } from '../support/fixtures.ts';
import { unique } from '../support/env.ts';

export interface Member {
  id: number;
  handle: string;
  trackingId: string;
  linkId: number;
  asin: string;
}

export { newOrganisation };

/** Influencers in an organisation, each with a default US tracking ID and one link to its own product. */
export async function addInfluencers(db: Db, organisationId: number, count: number, displayName?: (i: number) => string): Promise<Member[]> {
  const prefix = unique('dg');
  const rows = Array.from({ length: count }, (_, i) => ({
    organisation_id: organisationId,
    handle: `${prefix}x${i}`,
    display_name: displayName ? displayName(i) : `Influencer ${i}`,
  }));
  const people = await db.insertInto('influencers').values(rows).returning(['id', 'handle']).execute();
  const tracking = await db
    .insertInto('tracking_ids')
    .values(people.map((p) => ({ tracking_id: `${p.handle}-20`, marketplace: 'US', influencer_id: p.id, is_default: true })))
    .returning(['id', 'influencer_id', 'tracking_id'])
    .execute();
  const asins = people.map(() => randomAsin());
  const products = await db
    .insertInto('products')
    .values(
      asins.map((asin, i) => ({ marketplace: 'US', asin, title: `Product ${i} ${asin}`, image_url: null, category: null, price_minor: null, currency: null })),
    )
    .onConflict((oc) => oc.columns(['marketplace', 'asin']).doUpdateSet({ title: sql`excluded.title` }))
    .returning(['id', 'asin'])
    .execute();
  const productBy = new Map(products.map((p) => [p.asin, p.id]));
  const trackingBy = new Map(tracking.map((t) => [t.influencer_id, t]));
  const links = await db
    .insertInto('links')
    .values(
      people.map((p, i) => ({
        code: `${prefix}L${i}`.slice(-16),
        influencer_id: p.id,
        product_id: productBy.get(asins[i]!)!,
        tracking_id_id: trackingBy.get(p.id)!.id,
        destination_url: `https://www.amazon.com/dp/${asins[i]}?tag=${p.handle}-20`,
        disabled_at: null,
      })),
    )
    .returning(['id', 'influencer_id'])
    .execute();
  const linkBy = new Map(links.map((l) => [l.influencer_id, l.id]));
  return people.map((p, i) => ({ id: p.id, handle: p.handle, trackingId: trackingBy.get(p.id)!.tracking_id, linkId: linkBy.get(p.id)!, asin: asins[i]! }));
}

/** `n` clicks of a kind on a link, all at one instant. */
export async function addClicks(db: Db, linkId: number, at: string | Date, n = 1, kind: ClickKind = 'click'): Promise<void> {
  if (n <= 0) return;
  await sql`INSERT INTO clicks (link_id, clicked_at, kind, device, visitor_hash, organisation_id)
            SELECT ${linkId}, ${new Date(at)}, ${kind}, 'desktop', 'v' || g, ${organisationOfLink(linkId)} FROM generate_series(1, ${n}) g`.execute(db);
}

export interface LedgerLine {
  kind: LedgerKind;
  amount: number;
  at: string | Date;
  quantity?: number;
  currency?: string;
  asin?: string | null;
  productName?: string;
  reportType?: LedgerReportType;
  reversesEntryId?: number | null;
  createdAt?: string | Date;
  ingestId?: string | null;
}

/**
 * Ledger lines for an influencer (in its organisation), or with `influencerId` null for a tracking ID nobody in
 * `organisationId` owns. Returns their ids.
 */
export async function addLedger(
  db: Db,
  owner: { influencerId: number | null; trackingId: string; asin?: string; organisationId?: number },
  lines: LedgerLine[],
): Promise<number[]> {
  if (lines.length === 0) return [];
  const organisationId =
    owner.organisationId ??
    (owner.influencerId === null
      ? undefined
      : (await db.selectFrom('influencers').select('organisation_id').where('id', '=', owner.influencerId).executeTakeFirstOrThrow()).organisation_id);
  if (organisationId === undefined) throw new Error('addLedger: lines nobody owns need the organisation whose ingest brought them');
  const rows = lines.map((l) => ({
    organisation_id: organisationId,
    network: 'amazon',
    line_key: unique('lk'),
    kind: l.kind,
    report_type: l.reportType ?? (l.kind === 'pending' ? 'orders' : l.kind === 'bounty' ? 'bounty' : 'earnings'),
    tracking_id: owner.trackingId,
    influencer_id: owner.influencerId,
    marketplace: 'US',
    asin: l.asin === undefined ? (owner.asin ?? null) : l.asin,
    product_name: l.productName ?? null,
    category: null,
    occurred_at: new Date(l.at),
    quantity: l.quantity ?? (l.kind === 'reversal' ? -1 : 1),
    revenue_minor: 0,
    amount_minor: l.amount,
    currency: l.currency ?? 'USD',
    ingest_id: l.ingestId ?? null,
    link_id: null,
    reverses_entry_id: l.reversesEntryId ?? null,
    source_line: null,
    rate_bp: null,
    ...(l.createdAt ? { created_at: new Date(l.createdAt) } : {}),
  }));
  const ids = await db.insertInto('ledger_entries').values(rows).returning('id').execute();
  return ids.map((r) => r.id);
}
