// Influencers, their tracking IDs and their (one) storefront.
import { sql } from 'kysely';
import { UserError, isUniqueViolation } from '../errors.ts';
import type { Db } from '../db/database.ts';
import type { Influencer, TrackingId } from '../db/schema.ts';
import { normaliseHandle } from './handles.ts';
import { findMarketplace } from './amazon/marketplaces.ts';
import { normaliseTrackingId } from './amazon/taggedUrl.ts';
import { operatorOrganisation } from './organisations.ts';

export interface CreateInfluencerInput {
  handle: string;
  displayName: string;
  trackingId: string;
  marketplace?: string;
  organisationId?: number;
}

export function parseMarketplace(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return 'US';
  const m = findMarketplace(raw);
  if (!m) throw new UserError('invalid_input', `Unknown marketplace "${raw.slice(0, 40)}". Use a code like US, UK, DE or a domain like amazon.co.uk.`);
  return m.code;
}

export async function createInfluencer(db: Db, input: CreateInfluencerInput): Promise<{ influencer: Influencer; trackingId: TrackingId }> {
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
      const tracking = await trx
        .insertInto('tracking_ids')
        .values({ tracking_id: trackingId, marketplace, influencer_id: influencer.id, is_default: true })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx.insertInto('storefronts').values({ influencer_id: influencer.id }).execute();
      await attributeTrackingId(trx, tracking.tracking_id, influencer.id);
      return { influencer, trackingId: tracking };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'influencers_handle_key')) throw new UserError('conflict', `The handle @${handle} is already taken.`);
    if (isUniqueViolation(err, 'tracking_ids_organisation_tracking_idx')) throw new UserError('conflict', `The tracking ID ${trackingId} is already registered to another storefront.`);
    throw err;
  }
}

/** Adds (or, when it is already this influencer's, keeps) a tracking ID for a marketplace. */
export async function addTrackingId(db: Db, influencerId: number, rawTrackingId: string, rawMarketplace?: string): Promise<TrackingId> {
  const trackingId = normaliseTrackingId(rawTrackingId);
  const marketplace = parseMarketplace(rawMarketplace);
  // Within the influencer's organisation: the same public tracking ID registered in another organisation is that
  // organisation's business (its reports are never credited here, nor ours there).
  const existing = await db
    .selectFrom('tracking_ids')
    .selectAll()
    .where('tracking_id', '=', trackingId)
    .where('organisation_id', '=', (eb) => eb.selectFrom('influencers').select('organisation_id').where('id', '=', influencerId))
    .executeTakeFirst();
  if (existing) {
    if (existing.influencer_id !== influencerId) throw new UserError('conflict', `The tracking ID ${trackingId} is already registered to another storefront.`);
    return existing;
  }
  const hasDefault = await db
    .selectFrom('tracking_ids')
    .select('id')
    .where('influencer_id', '=', influencerId)
    .where('marketplace', '=', marketplace)
    .where('is_default', '=', true)
    .executeTakeFirst();
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('tracking_ids')
        .values({ tracking_id: trackingId, marketplace, influencer_id: influencerId, is_default: !hasDefault })
        .returningAll()
        .executeTakeFirstOrThrow();
      await attributeTrackingId(trx, trackingId, influencerId);
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new UserError('conflict', `The tracking ID ${trackingId} is already registered to another storefront.`);
    throw err;
  }
}

export async function findInfluencerByHandle(db: Db, rawHandle: string): Promise<Influencer | undefined> {
  let handle: string;
  try {
    handle = normaliseHandle(rawHandle);
  } catch {
    return undefined;
  }
  return db.selectFrom('influencers').selectAll().where('handle', '=', handle).executeTakeFirst();
}

export async function requireInfluencerByHandle(db: Db, rawHandle: string): Promise<Influencer> {
  const influencer = await findInfluencerByHandle(db, rawHandle);
  if (!influencer) throw new UserError('not_found', `No storefront has the handle @${rawHandle.replace(/^@/, '').slice(0, 40)}.`);
  return influencer;
}

/** The tracking ID used for links on a marketplace: the default one for it. */
export async function trackingIdFor(db: Db, influencerId: number, marketplace: string): Promise<TrackingId | undefined> {
  return db
    .selectFrom('tracking_ids')
    .selectAll()
    .where('influencer_id', '=', influencerId)
    .where('marketplace', '=', marketplace)
    .orderBy('is_default', 'desc')
    .orderBy('id')
    .executeTakeFirst();
}

/** The marketplace a bare ASIN refers to: that of the influencer's first default tracking ID. */
export async function defaultMarketplace(db: Db, influencerId: number): Promise<string> {
  const row = await db
    .selectFrom('tracking_ids')
    .select('marketplace')
    .where('influencer_id', '=', influencerId)
    .orderBy('is_default', 'desc')
    .orderBy('id')
    .executeTakeFirst();
  return row?.marketplace ?? 'US';
}

/**
 * Ledger lines of the owner's organisation ingested before anyone registered this tracking ID become its new owner's,
 * and the ingests that brought them count the owner among the influencers they affected (as they would had it been
 * registered then). Other organisations' lines of the same tracking ID stay theirs: money never moves across
 * organisations.
 */
async function attributeTrackingId(db: Db, trackingId: string, influencerId: number): Promise<void> {
  await sql`
    WITH moved AS (
      UPDATE ledger_entries SET influencer_id = ${influencerId}
       WHERE tracking_id = ${trackingId} AND influencer_id IS NULL
         AND organisation_id = (SELECT organisation_id FROM influencers WHERE id = ${influencerId})
      RETURNING ingest_id)
    UPDATE feed_ingests SET affected_influencers = array_append(affected_influencers, ${influencerId}::bigint)
     WHERE id IN (SELECT DISTINCT ingest_id FROM moved WHERE ingest_id IS NOT NULL) AND NOT (${influencerId}::bigint = ANY (affected_influencers))`.execute(db);
}
