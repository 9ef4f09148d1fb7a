// The influencer, its tracking IDs and a placed claim as the rest of the service reads them: camelCase types mapped
// from the rows where the domain reads them, so column names stay inside the domain (the rows' shape is the
// database's business, and a renamed column changes one mapper instead of every command).
import type { InfluencerRow, TrackingIdClaimRow, TrackingIdClaimReason, TrackingIdRow } from '../../db/schema.ts';

export interface Influencer {
  id: number;
  organisationId: number;
  handle: string;
  displayName: string;
  bio: string | null;
  avatarUrl: string | null;
  createdAt: Date;
}

export interface TrackingId {
  id: number;
  organisationId: number;
  influencerId: number;
  /** The public tracking ID itself, e.g. "jane-20". */
  trackingId: string;
  marketplace: string;
  isDefault: boolean;
  /** False while a claim of it waits for verification. */
  verified: boolean;
  releasedAt: Date | null;
}

/** A claim as its claimant reads it: what waits for verification, and why. */
export interface PlacedClaim {
  id: number;
  trackingId: string;
  marketplace: string;
  reason: TrackingIdClaimReason;
  createdAt: Date;
}

export function toInfluencer(r: InfluencerRow): Influencer {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    handle: r.handle,
    displayName: r.display_name,
    bio: r.bio,
    avatarUrl: r.avatar_url,
    createdAt: r.created_at,
  };
}

export function toTrackingId(r: TrackingIdRow): TrackingId {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    influencerId: r.influencer_id,
    trackingId: r.tracking_id,
    marketplace: r.marketplace,
    isDefault: r.is_default,
    verified: r.verified,
    releasedAt: r.released_at,
  };
}

export function toPlacedClaim(r: TrackingIdClaimRow): PlacedClaim {
  return { id: r.id, trackingId: r.tracking_id, marketplace: r.marketplace, reason: r.reason, createdAt: r.created_at };
}
