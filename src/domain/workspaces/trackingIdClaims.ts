// Tracking ID claims: a tracking ID registered from chat that needs proof (see registerTrackingId in influencers.ts)
// waits as a row with verified = false and a pending claim. Managers list and decide claims; a report of the
// claimant's organisation that carries a claimed tracking ID nobody holds, ingested after the claim, verifies it. Every
// claim and decision stays in tracking_id_claims.
//
// What a decision does to the money:
//  - a tracking ID nobody holds, verified (approved or by a report): its lines waiting in the ledger become the
//    claimant's (attributeTrackingId), as a registration would have made them;
//  - a tracking ID another influencer holds, approved by a manager: it moves to the claimant for lines from then on.
//    Lines already credited stay with whoever they were credited to (the ledger and the rollups never re-attribute a
//    credited line); the rollup rows of lines that were unattributed when rolled up (and that the ledger has since
//    credited to the holder) become the holder's rows, so reads keep naming the same owner as the ledger;
//  - refused or withdrawn: the claimant's row is given up (released, kept for its links); nothing else changes.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { TrackingIdRow, TrackingIdClaimRow, TrackingIdClaimReason, TrackingIdClaimStatus } from '../../db/schema.ts';
import { UserError } from '../../errors.ts';
import { reachableInfluencer } from './accountLinks.ts';
import type { TrackingId } from '../organisations/types.ts';
import { PRODUCT_MEASURES, TOTAL_MEASURES } from '../earnings/ledgerSums.ts';
import { ROLLUP_LOCK_KEY } from '../earnings/rollupRefresh.ts';
import type { Identity } from './identities.ts';
import { attributeTrackingId, hasUnattributedRows, liveTrackingIds, lockTrackingId } from '../organisations/influencers.ts';

export type ClaimAction = 'approve' | 'refuse' | 'withdraw';
export const CLAIM_ACTIONS: readonly ClaimAction[] = ['approve', 'refuse', 'withdraw'];

export interface ClaimView {
  id: number;
  trackingId: string;
  marketplace: string;
  reason: TrackingIdClaimReason;
  status: TrackingIdClaimStatus;
  claimant: { id: number; handle: string };
  /** Who holds the tracking ID in the organisation now (another influencer), if anyone. */
  holder: { id: number; handle: string } | null;
  createdAt: Date;
  decidedAt: Date | null;
}

interface ClaimRow {
  id: number;
  tracking_id: string;
  marketplace: string;
  reason: TrackingIdClaimReason;
  status: TrackingIdClaimStatus;
  claimant_id: number;
  claimant_handle: string;
  holder_id: number | null;
  holder_handle: string | null;
  created_at: Date | string;
  decided_at: Date | string | null;
}

const toView = (r: ClaimRow): ClaimView => ({
  id: Number(r.id),
  trackingId: r.tracking_id,
  marketplace: r.marketplace,
  reason: r.reason,
  status: r.status,
  claimant: { id: Number(r.claimant_id), handle: r.claimant_handle },
  holder: r.holder_id === null ? null : { id: Number(r.holder_id), handle: r.holder_handle! },
  createdAt: new Date(r.created_at),
  decidedAt: r.decided_at === null ? null : new Date(r.decided_at),
});

/** Claims with their claimant and the tracking ID's current holder (verified, someone else), by a condition on c. */
function claimRows(db: Db, where: ReturnType<typeof sql>, tail = sql``) {
  return sql<ClaimRow>`
    SELECT c.id, c.tracking_id, c.marketplace, c.reason, c.status, ci.id AS claimant_id, ci.handle AS claimant_handle,
           h.influencer_id AS holder_id, hi.handle AS holder_handle, c.created_at, c.decided_at
      FROM tracking_id_claims c
      JOIN influencers ci ON ci.id = c.claimant_influencer_id
      LEFT JOIN tracking_ids h ON h.organisation_id = c.organisation_id AND h.tracking_id = c.tracking_id AND h.verified AND h.influencer_id <> c.claimant_influencer_id
      LEFT JOIN influencers hi ON hi.id = h.influencer_id
     WHERE ${where} ${tail}`.execute(db);
}

/** An organisation's pending claims, oldest first (at most `limit`), and how many there are. */
export async function pendingClaims(db: Db, organisationId: number, limit: number): Promise<{ claims: ClaimView[]; total: number }> {
  const rows = (await claimRows(db, sql`c.organisation_id = ${organisationId} AND c.status = 'pending'`, sql`ORDER BY c.created_at, c.id LIMIT ${limit}`)).rows;
  const total = await countPendingClaims(db, organisationId);
  return { claims: rows.map(toView), total };
}

export async function countPendingClaims(db: Db, organisationId: number): Promise<number> {
  const r = await db
    .selectFrom('tracking_id_claims')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** An influencer's pending claims and those decided in the last `days` days, newest first. */
export async function claimsOf(db: Db, influencerId: number, days = 30, now = new Date()): Promise<ClaimView[]> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const rows = (
    await claimRows(
      db,
      sql`c.claimant_influencer_id = ${influencerId} AND (c.status = 'pending' OR c.decided_at >= ${since})`,
      sql`ORDER BY c.created_at DESC, c.id DESC LIMIT 10`,
    )
  ).rows;
  return rows.map(toView);
}

/** An influencer's tracking IDs that wait for verification (no figure of theirs is shown). */
export async function pendingTrackingIds(db: Db, influencerId: number): Promise<Array<Pick<TrackingId, 'trackingId' | 'marketplace'>>> {
  return liveTrackingIds(db)
    .select(['tracking_id as trackingId', 'marketplace'])
    .where('influencer_id', '=', influencerId)
    .where('verified', '=', false)
    .orderBy('tracking_id')
    .execute();
}

export interface ClaimDecision {
  /** decided: this call decided it; already: it had been decided before (nothing changed). */
  outcome: 'decided' | 'already';
  claim: ClaimView;
  /** Approved over a holder: the influencer the tracking ID moved from. */
  movedFrom: { id: number; handle: string } | null;
  /** Approved (nobody held it): ledger lines that became the claimant's. */
  attributedLines: number;
}

/**
 * A manager approves or refuses a claim of their organisation, or its claimant withdraws it. Checked here, whatever
 * the button or command that asked: a non-manager, a manager of another organisation (a forged button) or someone
 * else's withdrawal is refused and nothing changes; a claim decided already is reported as such, unchanged.
 */
export async function decideClaim(
  db: Db,
  identity: Pick<Identity, 'id' | 'organisationId' | 'isManager' | 'influencerId'>,
  action: ClaimAction,
  claimId: number,
  now = new Date(),
): Promise<ClaimDecision> {
  if (!CLAIM_ACTIONS.includes(action)) throw new UserError('invalid_input', 'Unknown claim action.');
  if (!Number.isSafeInteger(claimId) || claimId <= 0)
    throw new UserError('invalid_input', 'A claim is named by its number, like #12 (see /storefront claims).');
  if (action !== 'withdraw' && !identity.isManager) {
    throw new UserError(
      'forbidden',
      'Only managers (workspace admins and owners, and people they grant) can approve or refuse tracking ID claims; nothing changed.',
    );
  }
  const notHere = new UserError(
    'not_found',
    `There is no tracking ID claim #${claimId} ${action === 'withdraw' ? 'of yours' : 'in this organisation'}; nothing changed.`,
  );
  const found = await db
    .selectFrom('tracking_id_claims')
    .select(['id', 'organisation_id', 'tracking_id', 'claimant_influencer_id'])
    .where('id', '=', claimId)
    .executeTakeFirst();
  if (!found) throw notHere;
  if (action === 'withdraw') {
    const own = await reachableInfluencer(db, identity);
    if (!own || own.id !== found.claimant_influencer_id) throw notHere;
  } else if (found.organisation_id !== identity.organisationId) {
    throw notHere;
  }

  return db.transaction().execute(async (trx) => {
    await lockTrackingId(trx, found.organisation_id, found.tracking_id);
    const claim = await trx.selectFrom('tracking_id_claims').selectAll().where('id', '=', claimId).forUpdate().executeTakeFirstOrThrow();
    if (claim.status !== 'pending') return { outcome: 'already', claim: await viewOf(trx, claimId), movedFrom: null, attributedLines: 0 };
    const row =
      claim.tracking_id_row_id === null
        ? undefined
        : await trx.selectFrom('tracking_ids').selectAll().where('id', '=', claim.tracking_id_row_id).forUpdate().executeTakeFirst();
    let movedFrom: ClaimDecision['movedFrom'] = null;
    let attributedLines = 0;
    if (action === 'approve') {
      if (!row || row.released_at !== null)
        throw new UserError('conflict', `The tracking ID of claim #${claimId} is no longer the claimant's; nothing changed.`);
      const holder = await trx
        .selectFrom('tracking_ids as t')
        .innerJoin('influencers as i', 'i.id', 't.influencer_id')
        .selectAll('t')
        .select('i.handle')
        .where('t.organisation_id', '=', claim.organisation_id)
        .where('t.tracking_id', '=', claim.tracking_id)
        .where('t.verified', '=', true)
        .forUpdate('t')
        .executeTakeFirst();
      if (holder && holder.id !== row.id) {
        // For lines from now on: nothing credited moves.
        await settleUnattributedRollups(trx, claim.organisation_id, claim.tracking_id, holder.influencer_id);
        await release(trx, holder, now);
        movedFrom = { id: holder.influencer_id, handle: holder.handle };
      }
      await trx.updateTable('tracking_ids').set({ verified: true }).where('id', '=', row.id).execute();
      if (!movedFrom) attributedLines = await attributeTrackingId(trx, claim.tracking_id, claim.claimant_influencer_id);
    } else if (row && row.released_at === null) {
      await release(trx, row, now);
    }
    const status: TrackingIdClaimStatus = action === 'approve' ? 'approved' : action === 'refuse' ? 'refused' : 'withdrawn';
    await trx.updateTable('tracking_id_claims').set({ status, decided_by_identity_id: identity.id, decided_at: now }).where('id', '=', claimId).execute();
    return { outcome: 'decided', claim: await viewOf(trx, claimId), movedFrom, attributedLines };
  });
}

export interface ReportVerification {
  claimId: number;
  trackingId: string;
  influencerId: number;
  attributedLines: number;
}

/**
 * After an ingest of an organisation succeeded: its pending claims (reason has_lines) on tracking IDs the report
 * carried and nobody holds, made before the report was received, are verified (only the Associates account holder can
 * download a report). Each in its own transaction. A tracking ID claimed by more than one influencer, or held by
 * someone meanwhile, is left to a manager. Safe to run again for the same ingest (a retried job).
 */
export async function verifyClaimsByReport(db: Db, ingestId: string, now = new Date()): Promise<ReportVerification[]> {
  const ingest = await db
    .selectFrom('feed_ingests')
    .select(['id', 'organisation_id', 'status', 'created_at', 'counts'])
    .where('id', '=', ingestId)
    .executeTakeFirst();
  if (ingest?.status !== 'succeeded') return [];
  // Lines of a tracking ID nobody holds are unattributed: the summary lists every such tracking ID of the report
  // (new lines or not), so a re-downloaded report that adds nothing still proves its account.
  const summary = (ingest.counts as { summary?: { unattributedTrackingIds?: unknown } } | null)?.summary;
  const carried = Array.isArray(summary?.unattributedTrackingIds) ? summary.unattributedTrackingIds.filter((t): t is string => typeof t === 'string') : [];
  if (carried.length === 0) return [];
  const candidates = await db
    .selectFrom('tracking_id_claims')
    .select(['id', 'tracking_id'])
    .where('organisation_id', '=', ingest.organisation_id)
    .where('status', '=', 'pending')
    .where('reason', '=', 'has_lines')
    .where('created_at', '<', ingest.created_at)
    .where('tracking_id', 'in', carried)
    .orderBy('id')
    .execute();
  const verified: ReportVerification[] = [];
  for (const c of candidates) {
    const done = await db.transaction().execute(async (trx) => {
      await lockTrackingId(trx, ingest.organisation_id, c.tracking_id);
      const claim = await trx.selectFrom('tracking_id_claims').selectAll().where('id', '=', c.id).forUpdate().executeTakeFirstOrThrow();
      if (claim.status !== 'pending' || claim.tracking_id_row_id === null) return undefined;
      const others = await liveTrackingIds(trx)
        .select(['id', 'verified'])
        .where('organisation_id', '=', claim.organisation_id)
        .where('tracking_id', '=', claim.tracking_id)
        .where('id', '<>', claim.tracking_id_row_id)
        .execute();
      // Held by someone (a dispute), or claimed by several: the report cannot tell whose it is.
      if (others.length > 0) return undefined;
      const row = await trx
        .updateTable('tracking_ids')
        .set({ verified: true })
        .where('id', '=', claim.tracking_id_row_id)
        .where('released_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!row) return undefined;
      const attributedLines = await attributeTrackingId(trx, claim.tracking_id, claim.claimant_influencer_id);
      await trx
        .updateTable('tracking_id_claims')
        .set({ status: 'verified_by_report', decided_at: now, verified_by_ingest_id: ingest.id })
        .where('id', '=', claim.id)
        .execute();
      return { claimId: Number(claim.id), trackingId: claim.tracking_id, influencerId: Number(claim.claimant_influencer_id), attributedLines };
    });
    if (done) verified.push(done);
  }
  return verified;
}

async function viewOf(db: Db, claimId: number): Promise<ClaimView> {
  const rows = (await claimRows(db, sql`c.id = ${claimId}`)).rows;
  return toView(rows[0]!);
}

/** A row given up: no longer a holding nor a default (another live row of the store becomes the default). */
async function release(trx: Db, row: Pick<TrackingIdRow, 'id' | 'influencer_id' | 'marketplace' | 'is_default'>, now: Date): Promise<void> {
  await trx.updateTable('tracking_ids').set({ verified: false, is_default: false, released_at: now }).where('id', '=', row.id).execute();
  if (!row.is_default) return;
  await sql`
    UPDATE tracking_ids SET is_default = true
     WHERE id = (SELECT id FROM tracking_ids WHERE influencer_id = ${row.influencer_id} AND marketplace = ${row.marketplace} AND released_at IS NULL
                  ORDER BY verified DESC, id LIMIT 1)`.execute(trx);
}

const names = (measures: Record<string, unknown>) => Object.keys(measures);

/**
 * Before a held tracking ID moves to another influencer: its rollup rows of lines that were unattributed when rolled
 * up (read as its holder's, whose lines the ledger has made them since) become the holder's own rows and their
 * organisation's, as they would be had the lines been attributed when rolled up. Otherwise reads would hand them to the
 * new holder. Runs under the rollup refresh's lock, in the caller's transaction. No row of the kind appears while a
 * tracking ID is held (its lines are credited when ingested, or healed by the refresh), so these are all there are.
 */
async function settleUnattributedRollups(trx: Db, organisationId: number, trackingId: string, holderId: number): Promise<void> {
  const unattributed = (table: 'earnings_rollups' | 'earnings_product_rollups') => hasUnattributedRows(trx, table, organisationId, trackingId);
  const [any, anyProduct] = await Promise.all([unattributed('earnings_rollups'), unattributed('earnings_product_rollups')]);
  if (!any && !anyProduct) return;
  await sql`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK_KEY.toString()}::bigint)`.execute(trx);

  const totals = names(TOTAL_MEASURES);
  const cols = sql.join(totals.map((n) => sql.id(n)));
  const addUp = (table: string, list: string[]) => sql.join(list.map((n) => sql`${sql.id(n)} = ${sql.id(table)}.${sql.id(n)} + excluded.${sql.id(n)}`));
  // Influencer rows exist by day and up; organisation rows by hour and up.
  await sql`
    WITH gone AS (
      DELETE FROM earnings_rollups WHERE organisation_id = ${organisationId} AND tracking_id = ${trackingId} AND influencer_id IS NULL RETURNING *)
    INSERT INTO earnings_rollups (grain, bucket, organisation_id, tracking_id, influencer_id, currency, ${cols})
    SELECT grain, bucket, NULL::bigint, tracking_id, ${holderId}::bigint, currency, ${cols} FROM gone WHERE grain <> 'hour'
    UNION ALL
    SELECT grain, bucket, organisation_id, NULL::text, NULL::bigint, currency, ${cols} FROM gone
    ON CONFLICT (organisation_id, tracking_id, influencer_id, grain, bucket, currency) DO UPDATE SET ${addUp('earnings_rollups', totals)}`.execute(trx);

  const products = names(PRODUCT_MEASURES);
  const pcols = sql.join(products.map((n) => sql.id(n)));
  // The holder's product rows where the refresh keeps them: a dense influencer's by day from recent_from and by month,
  // year and all time; another's by month from recent_from. The organisation's by day from recent_from and by month,
  // year and all time.
  await sql`
    WITH recent AS (SELECT recent_from FROM earnings_rollup_state WHERE id = 1),
    dense AS (SELECT EXISTS (SELECT 1 FROM earnings_dense_influencers WHERE influencer_id = ${holderId}) AS d),
    gone AS (
      DELETE FROM earnings_product_rollups WHERE organisation_id = ${organisationId} AND tracking_id = ${trackingId} AND influencer_id IS NULL RETURNING *)
    INSERT INTO earnings_product_rollups (grain, bucket, organisation_id, influencer_id, tracking_id, asin, link_id, currency, product_name, ${pcols})
    SELECT grain, bucket, NULL::bigint, ${holderId}::bigint, NULL::text, asin, link_id, currency, product_name, ${pcols}
      FROM gone, dense
     WHERE CASE WHEN dense.d THEN grain <> 'day' OR bucket >= (SELECT recent_from FROM recent)
                ELSE grain = 'month' AND bucket >= (SELECT recent_from FROM recent) END
    UNION ALL
    SELECT grain, bucket, organisation_id, NULL::bigint, NULL::text, asin, link_id, currency, product_name, ${pcols}
      FROM gone
     WHERE grain <> 'day' OR bucket >= (SELECT recent_from FROM recent)
    ON CONFLICT (organisation_id, influencer_id, tracking_id, grain, bucket, asin, link_id, currency) DO UPDATE
      SET product_name = greatest(earnings_product_rollups.product_name, excluded.product_name), ${addUp('earnings_product_rollups', products)}`.execute(trx);
}

/** Used by tests and the claim log: the claim row itself. */
export async function getClaim(db: Db, claimId: number): Promise<TrackingIdClaimRow | undefined> {
  return db.selectFrom('tracking_id_claims').selectAll().where('id', '=', claimId).executeTakeFirst();
}
