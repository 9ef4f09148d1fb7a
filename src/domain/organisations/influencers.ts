// Influencers, their tracking IDs and their (one) storefront.
import { sql } from 'kysely';
import { UserError, isUniqueViolation } from '../../errors.ts';
import type { Db } from '../../db/database.ts';
import type { TrackingIdClaimReason } from '../../db/schema.ts';
import { handleOf, normaliseHandle } from '../common/handles.ts';
import { findMarketplace } from '../amazon/marketplaces.ts';
import { normaliseTrackingId } from '../amazon/taggedUrl.ts';
import { operatorOrganisation } from './organisations.ts';
import { toInfluencer, toPlacedClaim, toTrackingId, type Influencer, type PlacedClaim, type TrackingId } from './types.ts';

/** Tracking ID rows that stand (not given up or released): the rows links, claims and figures go by. */
export const liveTrackingIds = (db: Db) => db.selectFrom('tracking_ids').where('released_at', 'is', null);

export interface CreateInfluencerInput {
  handle: string;
  displayName: string;
  trackingId: string;
  marketplace?: string;
  organisationId?: number;
  /**
   * Registered from chat by this identity: the tracking ID needs proof when it matters (see registerTrackingId).
   * Without it (the operator's CLI, the demo) the tracking ID is registered at once unless someone here holds it.
   */
  claimant?: Claimant;
}

/** Who registers a tracking ID from chat. */
export interface Claimant {
  identityId: number | null;
}

/** A tracking ID placed for an influencer: held at once, or a pending claim (`claim` set) waiting for verification. */
export interface Registration {
  trackingId: TrackingId;
  claim: PlacedClaim | null;
}

export function parseMarketplace(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return 'US';
  const m = findMarketplace(raw);
  if (!m) throw new UserError('invalid_input', `Unknown marketplace "${raw.slice(0, 40)}". Use a code like US, UK, DE or a domain like amazon.co.uk.`);
  return m.code;
}

const takenMessage = (trackingId: string) => `The tracking ID ${trackingId} is already registered to another storefront.`;

export async function createInfluencer(
  db: Db,
  input: CreateInfluencerInput,
): Promise<{ influencer: Influencer; trackingId: TrackingId; claim: PlacedClaim | null }> {
  const handle = normaliseHandle(input.handle);
  const trackingId = normaliseTrackingId(input.trackingId);
  const marketplace = parseMarketplace(input.marketplace);
  const displayName = input.displayName.trim().slice(0, 100) || handle;
  // Created by the operator (CLI, demo) without one: the operator's organisation, so the operator's reports and
  // storefronts are one team's.
  const organisationId = input.organisationId ?? (await operatorOrganisation(db));
  try {
    return await db.transaction().execute(async (trx) => {
      const influencer = await trx
        .insertInto('influencers')
        .values({ organisation_id: organisationId, handle, display_name: displayName })
        .returningAll()
        .executeTakeFirstOrThrow();
      const placed = await placeTrackingId(trx, influencer, trackingId, marketplace, input.claimant ?? null);
      await trx.insertInto('storefronts').values({ influencer_id: influencer.id }).execute();
      return { influencer: toInfluencer(influencer), trackingId: placed.trackingId, claim: placed.claim };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'influencers_handle_key')) throw new UserError('conflict', `The handle @${handle} is already taken.`);
    throw mapPlacementError(err, trackingId);
  }
}

/** Adds (or, when it is already this influencer's, keeps) a tracking ID for a marketplace: the operator's way, at once. */
export async function addTrackingId(db: Db, influencerId: number, rawTrackingId: string, rawMarketplace?: string): Promise<TrackingId> {
  return (await registerTrackingId(db, influencerId, rawTrackingId, rawMarketplace)).trackingId;
}

/**
 * Adds a tracking ID for a marketplace to an influencer, within its organisation (the same public tracking ID
 * registered in another organisation is that organisation's business: its reports are never credited here, nor ours
 * there). From chat (`claimant` given) it needs proof when it matters:
 *  - nobody here holds it and the organisation has no line of it: held at once;
 *  - nobody holds it but the organisation has lines of it, or another influencer here holds it: a pending claim
 *    (a row with verified = false, which the influencer's links may carry but which credits and reveals nothing)
 *    until a manager approves it, or (when nobody holds it) a report of the organisation carrying it verifies it.
 * The operator (no claimant) registers at once unless another influencer here holds it.
 */
export async function registerTrackingId(
  db: Db,
  influencerId: number,
  rawTrackingId: string,
  rawMarketplace?: string,
  claimant?: Claimant,
): Promise<Registration> {
  const trackingId = normaliseTrackingId(rawTrackingId);
  const marketplace = parseMarketplace(rawMarketplace);
  try {
    return await db.transaction().execute(async (trx) => {
      const influencer = await trx.selectFrom('influencers').select(['id', 'organisation_id']).where('id', '=', influencerId).executeTakeFirstOrThrow();
      return placeTrackingId(trx, influencer, trackingId, marketplace, claimant ?? null);
    });
  } catch (err) {
    throw mapPlacementError(err, trackingId);
  }
}

function mapPlacementError(err: unknown, trackingId: string): unknown {
  if (isUniqueViolation(err, 'tracking_ids_organisation_tracking_idx')) return new UserError('conflict', takenMessage(trackingId));
  if (isUniqueViolation(err, 'tracking_id_claims_one_pending_idx'))
    return new UserError(
      'conflict',
      'You already have a tracking ID claim waiting for verification. One claim at a time: a manager must approve or refuse it first; nothing changed.',
    );
  if (isUniqueViolation(err, 'tracking_ids_influencer_tracking_idx'))
    return new UserError('conflict', `You already have the tracking ID ${trackingId}; nothing changed.`);
  return err;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** How a pending claim can be verified, in the claimant's words. */
export function claimVerificationHint(reason: TrackingIdClaimReason): string {
  return reason === 'held'
    ? 'Only a manager can decide (/storefront claims): until one approves your claim it stays with its holder; if approved, its new lines are yours and lines already credited stay with the holder.'
    : 'A manager can approve it (/storefront claims), or it is verified when this organisation loads an Amazon Associates report that carries it (only the account holder can download one).';
}

/**
 * Serialises every registration of one tracking ID in one organisation (two people claiming it at once get one
 * outcome each, in turn).
 */
export async function lockTrackingId(trx: Db, organisationId: number, trackingId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`tracking-id:${organisationId}:${trackingId}`}))`.execute(trx);
}

/**
 * Whether `table` has a row of `trackingId` in the organisation credited to nobody: ledger lines, or rollup rows of
 * them. One row is enough to know.
 */
export async function hasUnattributedRows(
  trx: Db,
  table: 'ledger_entries' | 'earnings_rollups' | 'earnings_product_rollups',
  organisationId: number,
  trackingId: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom(table)
    .select('tracking_id')
    .where('organisation_id', '=', organisationId)
    .where('tracking_id', '=', trackingId)
    .where('influencer_id', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The pending claim on a tracking ID row, or a claimant's (each has at most one). */
const pendingClaim = (trx: Db, by: 'tracking_id_row_id' | 'claimant_influencer_id', id: number) =>
  trx.selectFrom('tracking_id_claims').selectAll().where(by, '=', id).where('status', '=', 'pending').executeTakeFirst();

async function placeTrackingId(
  trx: Db,
  influencer: { id: number; organisation_id: number },
  trackingId: string,
  marketplace: string,
  claimant: Claimant | null,
): Promise<Registration> {
  const organisationId = influencer.organisation_id;
  await lockTrackingId(trx, organisationId, trackingId);
  const live = await liveTrackingIds(trx).selectAll().where('organisation_id', '=', organisationId).where('tracking_id', '=', trackingId).execute();
  const own = live.find((r) => r.influencer_id === influencer.id);
  const holder = live.find((r) => r.verified && r.influencer_id !== influencer.id);
  if (own?.verified) return { trackingId: toTrackingId(own), claim: null };
  if (own) {
    const claim = await pendingClaim(trx, 'tracking_id_row_id', own.id);
    throw new UserError(
      'conflict',
      claim
        ? `Your claim #${claim.id} for ${trackingId} is already waiting for verification (since ${day(claim.created_at)}); nothing changed. ${claimVerificationHint(claim.reason)}`
        : `Your tracking ID ${trackingId} is waiting for verification; nothing changed. Ask a manager to look at /storefront claims.`,
    );
  }
  let reason: TrackingIdClaimReason | null = null;
  if (holder) {
    if (!claimant) throw new UserError('conflict', takenMessage(trackingId));
    reason = 'held';
  } else if (claimant) {
    // Lines of a tracking ID nobody here holds are unattributed (and indexed as such).
    if (await hasUnattributedRows(trx, 'ledger_entries', organisationId, trackingId)) reason = 'has_lines';
  }
  if (reason) {
    const pending = await pendingClaim(trx, 'claimant_influencer_id', influencer.id);
    if (pending) {
      throw new UserError(
        'conflict',
        `You already have a tracking ID claim waiting for verification: ${pending.tracking_id} (#${pending.id}, since ${day(pending.created_at)}). One claim at a time: a manager must approve or refuse it first; nothing changed.`,
      );
    }
  }
  const hasDefault = await trx
    .selectFrom('tracking_ids')
    .select('id')
    .where('influencer_id', '=', influencer.id)
    .where('marketplace', '=', marketplace)
    .where('is_default', '=', true)
    .executeTakeFirst();
  const row = await trx
    .insertInto('tracking_ids')
    .values({ tracking_id: trackingId, marketplace, influencer_id: influencer.id, is_default: !hasDefault, verified: reason === null })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (!reason) {
    await attributeTrackingId(trx, trackingId, influencer.id);
    return { trackingId: toTrackingId(row), claim: null };
  }
  const claim = await trx
    .insertInto('tracking_id_claims')
    .values({
      organisation_id: organisationId,
      tracking_id: trackingId,
      marketplace,
      claimant_influencer_id: influencer.id,
      claimant_identity_id: claimant?.identityId ?? null,
      tracking_id_row_id: row.id,
      holder_influencer_id: holder?.influencer_id ?? null,
      reason,
      decided_by_identity_id: null,
      decided_at: null,
      verified_by_ingest_id: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { trackingId: toTrackingId(row), claim: toPlacedClaim(claim) };
}

export async function findInfluencerByHandle(db: Db, rawHandle: string): Promise<Influencer | undefined> {
  const handle = handleOf(rawHandle);
  if (handle === undefined) return undefined;
  const row = await db.selectFrom('influencers').selectAll().where('handle', '=', handle).executeTakeFirst();
  return row && toInfluencer(row);
}

export async function requireInfluencerByHandle(db: Db, rawHandle: string): Promise<Influencer> {
  const influencer = await findInfluencerByHandle(db, rawHandle);
  if (!influencer) throw new UserError('not_found', `No storefront has the handle @${rawHandle.replace(/^@/, '').slice(0, 40)}.`);
  return influencer;
}

/**
 * The tracking ID used for links on a marketplace: the default one for it. A pending claim counts (the claimant's
 * links carry it, though it shows no money until verified); a row given up never does.
 */
export async function trackingIdFor(db: Db, influencerId: number, marketplace: string): Promise<TrackingId | undefined> {
  const row = await liveTrackingIds(db)
    .selectAll()
    .where('influencer_id', '=', influencerId)
    .where('marketplace', '=', marketplace)
    .orderBy('is_default', 'desc')
    .orderBy('verified', 'desc')
    .orderBy('id')
    .executeTakeFirst();
  return row && toTrackingId(row);
}

/** The marketplace a bare ASIN refers to: that of the influencer's first default tracking ID. */
export async function defaultMarketplace(db: Db, influencerId: number): Promise<string> {
  const row = await liveTrackingIds(db)
    .select('marketplace')
    .where('influencer_id', '=', influencerId)
    .orderBy('is_default', 'desc')
    .orderBy('id')
    .executeTakeFirst();
  return row?.marketplace ?? 'US';
}

/**
 * Ledger lines of the owner's organisation ingested before anyone held this tracking ID become its new owner's,
 * and the ingests that brought them count the owner among the influencers they affected (as they would had it been
 * registered then). Other organisations' lines of the same tracking ID stay theirs: money never moves across
 * organisations. Called when a tracking ID becomes a holding (registered at once, or a claim verified), in that
 * transaction; never for an ID that moves from one holder to another (credited lines are never re-attributed).
 */
export async function attributeTrackingId(db: Db, trackingId: string, influencerId: number): Promise<number> {
  const r = await sql<{ n: number }>`
    WITH moved AS (
      UPDATE ledger_entries SET influencer_id = ${influencerId}
       WHERE tracking_id = ${trackingId} AND influencer_id IS NULL
         AND organisation_id = (SELECT organisation_id FROM influencers WHERE id = ${influencerId})
      RETURNING ingest_id),
    ingests AS (
      UPDATE feed_ingests SET affected_influencers = array_append(affected_influencers, ${influencerId}::bigint)
       WHERE id IN (SELECT DISTINCT ingest_id FROM moved WHERE ingest_id IS NOT NULL) AND NOT (${influencerId}::bigint = ANY (affected_influencers)))
    SELECT count(*)::int AS n FROM moved`.execute(db);
  return r.rows[0]?.n ?? 0;
}

/** The handle of an influencer known to exist (throws Kysely's NoResultError when there is none). */
export async function influencerHandle(db: Db, influencerId: number): Promise<string> {
  const row = await db.selectFrom('influencers').select('handle').where('id', '=', influencerId).executeTakeFirstOrThrow();
  return row.handle;
}

/** Sets an influencer's bio as given (no cleaning: setProfile in catalogue/overrides.ts is for what people type). */
export async function setInfluencerBio(db: Db, influencerId: number, bio: string): Promise<void> {
  await db.updateTable('influencers').set({ bio }).where('id', '=', influencerId).execute();
}
