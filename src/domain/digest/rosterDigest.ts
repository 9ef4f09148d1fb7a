// The figures of a manager's digest: per influencer of the organisation, yesterday and month to date.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { addDays, localDate, zonedTime } from '../time.ts';

export interface RosterRow {
  influencerId: number;
  handle: string;
  currency: string | null;
  yesterday: { confirmed: number; pending: number; reversed: number; clicks: number };
  monthToDate: { confirmed: number; pending: number; reversed: number; clicks: number };
}

export interface RosterDigest {
  date: string;
  timezone: string;
  rows: RosterRow[];
}

export async function rosterDigest(db: Db, organisationId: number, timezone: string, now = new Date()): Promise<RosterDigest> {
  const today = localDate(now, timezone);
  const yesterday = addDays(today, -1);
  const yFrom = zonedTime(yesterday, timezone);
  const yTo = zonedTime(today, timezone);
  const mFrom = zonedTime(`${yesterday.slice(0, 8)}01`, timezone); // the month yesterday belongs to

  const money = await db
    .selectFrom('influencers as i')
    .leftJoin('ledger_entries as e', (j) =>
      j.onRef('e.influencer_id', '=', 'i.id').on('e.occurred_at', '>=', mFrom).on('e.occurred_at', '<', yTo).on((eb) => eb.or([eb('e.kind', '!=', 'pending'), eb('e.superseded_at', 'is', null)])),
    )
    .select([
      'i.id',
      'i.handle',
      'e.currency',
      sql<number>`coalesce(sum(e.amount_minor) filter (where e.kind in ('confirmed','bounty') and e.occurred_at >= ${yFrom}), 0)::bigint`.as('yConfirmed'),
      sql<number>`coalesce(sum(e.amount_minor) filter (where e.kind = 'pending' and e.occurred_at >= ${yFrom}), 0)::bigint`.as('yPending'),
      sql<number>`coalesce(sum(e.amount_minor) filter (where e.kind = 'reversal' and e.occurred_at >= ${yFrom}), 0)::bigint`.as('yReversed'),
      sql<number>`coalesce(sum(e.amount_minor) filter (where e.kind in ('confirmed','bounty')), 0)::bigint`.as('mConfirmed'),
      sql<number>`coalesce(sum(e.amount_minor) filter (where e.kind = 'pending'), 0)::bigint`.as('mPending'),
      sql<number>`coalesce(sum(e.amount_minor) filter (where e.kind = 'reversal'), 0)::bigint`.as('mReversed'),
    ])
    .where('i.organisation_id', '=', organisationId)
    .groupBy(['i.id', 'i.handle', 'e.currency'])
    .orderBy('i.handle')
    .execute();

  const clicks = await db
    .selectFrom('clicks as c')
    .innerJoin('links as k', 'k.id', 'c.link_id')
    .innerJoin('influencers as i', 'i.id', 'k.influencer_id')
    .select(['i.id', sql<number>`count(*) filter (where c.clicked_at >= ${yFrom})::bigint`.as('y'), sql<number>`count(*)::bigint`.as('m')])
    .where('i.organisation_id', '=', organisationId)
    .where('c.kind', '=', 'click')
    .where('c.clicked_at', '>=', mFrom)
    .where('c.clicked_at', '<', yTo)
    .groupBy('i.id')
    .execute();
  const clicksBy = new Map(clicks.map((c) => [c.id, c]));

  return {
    date: yesterday,
    timezone,
    rows: money.map((r) => {
      const c = clicksBy.get(r.id);
      return {
        influencerId: r.id,
        handle: r.handle,
        currency: r.currency,
        yesterday: { confirmed: Number(r.yConfirmed), pending: Number(r.yPending), reversed: Number(r.yReversed), clicks: Number(c?.y ?? 0) },
        monthToDate: { confirmed: Number(r.mConfirmed), pending: Number(r.mPending), reversed: Number(r.mReversed), clicks: Number(c?.m ?? 0) },
      };
    }),
  };
}
