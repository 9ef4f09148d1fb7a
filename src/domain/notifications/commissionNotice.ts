// Commission notifications: which ledger lines are news for an influencer, claimed exactly once, and what they add up
// to (the card that tells them is composed in src/cards/notice.ts).
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { newDeliveryRow } from '../common/deliveryRow.ts';
import { productFaces } from '../links/productFaces.ts';

export interface Claim {
  key: string;
  status: 'claimed' | 'sent' | 'skipped' | 'failed';
  attempts: number;
  entryFrom: number;
  entryTo: number;
}

/**
 * Claims every ledger line of the influencer newer than what they were last told about, under a row lock,
 * and records the claim under `key`. A retry of the same key gets the same range back; an empty range
 * (another job already told them) returns undefined.
 */
export async function claimNews(db: Db, influencerId: number, key: string): Promise<Claim | undefined> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('notification_cursors')
      .values({ influencer_id: influencerId })
      .onConflict((oc) => oc.column('influencer_id').doNothing())
      .execute();
    const cursor = await trx
      .selectFrom('notification_cursors')
      .select('last_entry_id')
      .where('influencer_id', '=', influencerId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const existing = await trx.selectFrom('notification_deliveries').selectAll().where('key', '=', key).executeTakeFirst();
    if (existing) return { key, status: existing.status, attempts: existing.attempts, entryFrom: existing.entry_from ?? 0, entryTo: existing.entry_to ?? 0 };
    const { max } = await trx
      .selectFrom('ledger_entries')
      .select(sql<number | null>`max(id)`.as('max'))
      .where('influencer_id', '=', influencerId)
      .where('id', '>', cursor.last_entry_id)
      .executeTakeFirstOrThrow();
    if (max === null) return undefined;
    await trx
      .insertInto('notification_deliveries')
      .values(
        newDeliveryRow({
          key,
          kind: 'commission',
          influencer_id: influencerId,
          subscription_id: null,
          entry_from: cursor.last_entry_id,
          entry_to: Number(max),
        }),
      )
      .execute();
    await trx
      .updateTable('notification_cursors')
      .set({ last_entry_id: Number(max) })
      .where('influencer_id', '=', influencerId)
      .execute();
    return { key, status: 'claimed' as const, attempts: 0, entryFrom: cursor.last_entry_id, entryTo: Number(max) };
  });
}

export interface NewsTotals {
  currency: string;
  confirmed: number;
  pending: number;
  reversed: number;
  bounty: number;
}

/** One product of the news, its kinds merged (the same watch once, with its confirmed and pending money). */
export interface NewsItem extends NewsTotals {
  asin: string | null;
  /** The catalogue's title, else the report's name, else the ASIN ("Bounty" for a bounty line without a name). */
  name: string;
}

export interface CommissionNews {
  handle: string;
  items: number;
  totals: NewsTotals[];
  top: NewsItem[];
  /** The title-line windows of the reports the lines came in (YYYY-MM-DD, inclusive), oldest first; none for postbacks. */
  windows: Array<{ start: string; end: string }>;
  /** The first and last day of the lines themselves (YYYY-MM-DD, store time), or null when there are none. */
  dates: { first: string; last: string } | null;
  /** Which kinds of report the lines came from (orders, earnings, bounty, events). */
  reportTypes: string[];
  /** Every line is older than the backfill age: past money loaded now, told as one summary, not as news. */
  backfill: boolean;
}

export interface NewsOptions {
  /** Lines all older than this many days make a backfill (0: never). */
  backfillAgeDays: number;
  now?: Date;
  topN?: number;
}

const DAY_MS = 86_400_000;
const day = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

export async function commissionNews(db: Db, influencerId: number, range: { entryFrom: number; entryTo: number }, opts: NewsOptions): Promise<CommissionNews> {
  const now = opts.now ?? new Date();
  const scope = db.selectFrom('ledger_entries').where('influencer_id', '=', influencerId).where('id', '>', range.entryFrom).where('id', '<=', range.entryTo);
  // Report lines, not the bookkeeping that releases pending estimates once a shipment confirms them.
  const lines = scope.where('report_type', '!=', 'release');
  const money = (kind: string) => sql<number>`coalesce(sum(amount_minor) filter (where kind = ${kind}), 0)::bigint`;
  const [influencer, totals, top, facts, windows] = await Promise.all([
    db.selectFrom('influencers').select(['handle', 'organisation_id']).where('id', '=', influencerId).executeTakeFirstOrThrow(),
    scope
      .select(['currency', money('confirmed').as('confirmed'), money('pending').as('pending'), money('reversal').as('reversed'), money('bounty').as('bounty')])
      .groupBy('currency')
      .orderBy('currency')
      .execute(),
    // One line per product and currency, its kinds side by side; a pending estimate released by its shipment in the
    // same news nets out, so "pending" is what still waits.
    scope
      .select([
        'asin',
        'currency',
        sql<string | null>`max(marketplace)`.as('marketplace'),
        sql<string | null>`max(product_name)`.as('name'),
        money('confirmed').as('confirmed'),
        money('pending').as('pending'),
        money('reversal').as('reversed'),
        money('bounty').as('bounty'),
      ])
      .groupBy(['currency', 'asin', sql`CASE WHEN asin IS NULL THEN product_name END`])
      .having(sql<boolean>`count(*) filter (where report_type != 'release') > 0`)
      .orderBy(sql`abs(sum(amount_minor))`, 'desc')
      .orderBy('asin')
      .limit(opts.topN ?? 5)
      .execute(),
    lines
      .select([
        sql<number>`count(*) filter (where reverses_entry_id is null)::int`.as('n'),
        sql<Date | null>`min(occurred_at)`.as('first'),
        sql<Date | null>`max(occurred_at)`.as('last'),
        sql<string[]>`coalesce(array_agg(DISTINCT report_type::text), '{}')`.as('types'),
      ])
      .executeTakeFirstOrThrow(),
    // The windows the reports of these lines covered, from their ingests' title lines.
    sql<{ start: string; end: string }>`
      SELECT DISTINCT r->'window'->>'start' AS start, r->'window'->>'end' AS end
        FROM feed_ingests f CROSS JOIN LATERAL jsonb_array_elements(f.reports) r
       WHERE f.id IN (SELECT DISTINCT ingest_id FROM ledger_entries
                       WHERE influencer_id = ${influencerId} AND id > ${range.entryFrom} AND id <= ${range.entryTo} AND ingest_id IS NOT NULL)
         AND jsonb_typeof(r->'window') = 'object'
       ORDER BY 1, 2`.execute(db),
  ]);
  const faces = await productFaces(
    db,
    influencer.organisation_id,
    top.flatMap((t) => (t.asin ? [{ asin: t.asin, marketplace: t.marketplace }] : [])),
    { now, influencerId },
  );
  const last = facts.last === null ? null : new Date(facts.last);
  const cutoff = now.getTime() - opts.backfillAgeDays * DAY_MS;
  return {
    handle: influencer.handle,
    items: facts.n,
    totals: totals.map((t) => ({
      currency: t.currency,
      confirmed: Number(t.confirmed),
      pending: Number(t.pending),
      reversed: Number(t.reversed),
      bounty: Number(t.bounty),
    })),
    top: top.map((t) => ({
      asin: t.asin,
      name: (t.asin ? faces.catalogueTitle({ asin: t.asin, marketplace: t.marketplace }) : undefined) ?? t.name ?? t.asin ?? 'Bounty',
      currency: t.currency,
      confirmed: Number(t.confirmed),
      pending: Number(t.pending),
      reversed: Number(t.reversed),
      bounty: Number(t.bounty),
    })),
    windows: windows.rows.filter((w) => /^\d{4}-\d{2}-\d{2}$/.test(w.start ?? '') && /^\d{4}-\d{2}-\d{2}$/.test(w.end ?? '')),
    dates: facts.first !== null && last !== null ? { first: day(new Date(facts.first)), last: day(last) } : null,
    reportTypes: [...facts.types].sort(),
    backfill: opts.backfillAgeDays > 0 && last !== null && facts.n > 0 && last.getTime() < cutoff,
  };
}
