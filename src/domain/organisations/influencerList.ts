// Influencers as an operator sees them: their organisation and every tracking ID, the default one marked and those
// waiting for verification (pending claims) flagged. Tracking IDs given up (claims refused, IDs moved) are left out.
import type { Db } from '../../db/database.ts';

export interface InfluencerTrackingId {
  trackingId: string;
  marketplace: string;
  default: boolean;
  /** A pending claim: it credits and reveals nothing until verified. */
  pending: boolean;
}

export interface InfluencerListItem {
  id: number;
  handle: string;
  displayName: string;
  organisationId: number;
  trackingIds: InfluencerTrackingId[];
  createdAt: Date;
}

/** Influencers (of one organisation when `organisationId` is given), oldest first. */
export async function listInfluencers(db: Db, filter: { organisationId?: number | undefined } = {}): Promise<InfluencerListItem[]> {
  let influencers = db.selectFrom('influencers').select(['id', 'handle', 'display_name', 'organisation_id', 'created_at']);
  let trackingIds = db
    .selectFrom('tracking_ids as t')
    .innerJoin('influencers as i', 'i.id', 't.influencer_id')
    .select(['t.influencer_id', 't.tracking_id', 't.marketplace', 't.is_default', 't.verified'])
    .where('t.released_at', 'is', null);
  if (filter.organisationId !== undefined) {
    influencers = influencers.where('organisation_id', '=', filter.organisationId);
    trackingIds = trackingIds.where('i.organisation_id', '=', filter.organisationId);
  }
  const rows = await influencers.orderBy('id').execute();
  if (rows.length === 0) return [];
  // Defaults first, then in the order they were added.
  const tags = await trackingIds.orderBy('t.influencer_id').orderBy('t.is_default', 'desc').orderBy('t.id').execute();
  const byInfluencer = new Map<number, InfluencerTrackingId[]>();
  for (const t of tags) {
    const id = Number(t.influencer_id);
    const item = { trackingId: t.tracking_id, marketplace: t.marketplace, default: t.is_default, pending: !t.verified };
    const list = byInfluencer.get(id);
    if (list) list.push(item);
    else byInfluencer.set(id, [item]);
  }
  return rows.map((r) => ({
    id: Number(r.id),
    handle: r.handle,
    displayName: r.display_name,
    organisationId: Number(r.organisation_id),
    trackingIds: byInfluencer.get(Number(r.id)) ?? [],
    createdAt: r.created_at,
  }));
}
