// Commission notifications: which ledger lines are news for an influencer, claimed exactly once, and what they add up
// to (the card that tells them is composed in src/cards/notice.ts).
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

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
    await trx.insertInto('notification_cursors').values({ influencer_id: influencerId }).onConflict((oc) => oc.column('influencer_id').doNothing()).execute();
    const cursor = await trx.selectFrom('notification_cursors').select('last_entry_id').where('influencer_id', '=', influencerId).forUpdate().executeTakeFirstOrThrow();
    const existing = await trx.selectFrom('notification_deliveries').selectAll().where('key', '=', key).executeTakeFirst();
    if (existing) return { key, status: existing.status, attempts: existing.attempts, entryFrom: existing.entry_from ?? 0, entryTo: existing.entry_to ?? 0 };
    const { max } = await trx
      .selectFrom('ledger_entries')
      .select(sql<number | null>`max(id)`.as('max'))
      .where('influencer_id', '=', influencerId)
      .where('id', '>', cursor.last_entry_id)
      .executeTakeFirstOrThrow();
    if (max === null) return undefined;
    await trx.insertInto('notification_deliveries').values({ key, kind: 'commission', influencer_id: influencerId, subscription_id: null, entry_from: cursor.last_entry_id, entry_to: Number(max), platform: null, destination: null, message_id: null, error: null, sent_at: null }).execute();
    await trx.updateTable('notification_cursors').set({ last_entry_id: Number(max) }).where('influencer_id', '=', influencerId).execute();
    return { key, status: 'claimed' as const, attempts: 0, entryFrom: cursor.last_entry_id, entryTo: Number(max) };
  });
}

export interface CommissionNews {
  handle: string;
  items: number;
  totals: Array<{ currency: string; confirmed: number; pending: number; reversed: number; bounty: number }>;
  top: Array<{ name: string; currency: string; amount: number; kind: string }>;
}

export async function commissionNews(db: Db, influencerId: number, range: { entryFrom: number; entryTo: number }, topN = 5): Promise<CommissionNews> {
  const scope = db.selectFrom('ledger_entries').where('influencer_id', '=', influencerId).where('id', '>', range.entryFrom).where('id', '<=', range.entryTo);
  const [influencer, totals, top, items] = await Promise.all([
    db.selectFrom('influencers').select('handle').where('id', '=', influencerId).executeTakeFirstOrThrow(),
    scope
      .select([
        'currency',
        sql<number>`coalesce(sum(amount_minor) filter (where kind = 'confirmed'), 0)::bigint`.as('confirmed'),
        sql<number>`coalesce(sum(amount_minor) filter (where kind = 'pending'), 0)::bigint`.as('pending'),
        sql<number>`coalesce(sum(amount_minor) filter (where kind = 'reversal'), 0)::bigint`.as('reversed'),
        sql<number>`coalesce(sum(amount_minor) filter (where kind = 'bounty'), 0)::bigint`.as('bounty'),
      ])
      .groupBy('currency')
      .orderBy('currency')
      .execute(),
    scope
      .select(['kind', 'currency', sql<string>`coalesce(max(product_name), max(asin), 'Bounty')`.as('name'), sql<number>`sum(amount_minor)::bigint`.as('amount')])
      .where('report_type', '!=', 'release')
      .groupBy(['kind', 'currency', 'asin'])
      .orderBy(sql`abs(sum(amount_minor))`, 'desc')
      .limit(topN)
      .execute(),
    // Items: the report lines themselves, not the bookkeeping that releases pending estimates.
    scope.select(sql<number>`count(*)::int`.as('n')).where('report_type', '!=', 'release').where('reverses_entry_id', 'is', null).executeTakeFirstOrThrow(),
  ]);
  return {
    handle: influencer.handle,
    items: items.n,
    totals: totals.map((t) => ({ currency: t.currency, confirmed: Number(t.confirmed), pending: Number(t.pending), reversed: Number(t.reversed), bounty: Number(t.bounty) })),
    top: top.map((t) => ({ name: t.name, currency: t.currency, amount: Number(t.amount), kind: t.kind })),
  };
}
