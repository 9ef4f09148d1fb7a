// Brings the earnings rollups up to date with the ledger, incrementally, without ever skipping a committed line.
//
// Ledger ids are drawn from a sequence when a line is inserted, but a transaction commits later: a long ingest can
// commit ids below those of lines already visible. So the rollups cover ids up to a horizon below which every id
// is final (its line committed, or never will be), and readers take the lines above the horizon from the ledger:
//  - when the sequence value V is read, the transactions then holding a lock on the sequence are the only ones
//    that can still commit an id <= V (nextval locks the sequence until its transaction ends; later transactions
//    draw ids > V). V is noted with their virtual transaction ids, and becomes the horizon once they have all
//    ended: at once when there were none, at a later refresh otherwise. Nothing waits on an open transaction.
//  - the sequence must not hand out cached values (CACHE 1, the default), or a session could use an id <= V later.
// Lines between the old and the new horizon are summed into the rollups in chunks, one transaction each, which
// also move the horizon, so readers see the rollups and the horizon change together. One refresh runs at a time
// (session advisory lock); a second one waits and then finds little or nothing to do.
// A line whose tracking ID was registered while its ingest was still open missed attribution (the registering
// UPDATE could not see it): the refresh attributes such lines of its chunk before summing them, so the ledger and
// the rollups name the same owner.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.ts';
import { refreshRollups } from '../common/rollupHorizon.ts';
import { PRODUCT_LINES, PRODUCT_MEASURES, TOTAL_MEASURES } from './ledgerSums.ts';

/** pg_advisory_lock key of the refresh ("earnroll"). */
export const ROLLUP_LOCK_KEY = 0x6561726e726f6c6cn;
/** Ledger ids summed per transaction. */
export const DEFAULT_CHUNK_IDS = 500_000;
/**
 * An influencer with this many lines gets product rows by month for all history and for all time ("dense"); the
 * others only for recent months, their older lines being few enough to read from the ledger.
 */
export const DENSE_LINES = 20_000;

export interface RefreshResult {
  previousHorizon: number;
  horizon: number;
  /** Ledger lines summed into the rollups by this refresh. */
  lines: number;
  /** Lines this refresh attributed to their tracking ID's owner. */
  attributed: number;
  /** Open transactions holding the horizon below the sequence's value (0 when the rollups are current). */
  waitingFor: number;
  /** The sequence value the horizon will reach once those transactions end, and since when it has waited. */
  pendingUpTo: number | null;
  heldBackSince: Date | null;
}

export interface RefreshOptions {
  chunkIds?: number;
  /** Stop after this many ids (the rest is left for the next refresh). */
  maxIds?: number;
  /** Lines an influencer must have for product rows over all history (default DENSE_LINES). */
  denseLines?: number;
  /** The clock, for which months count as recent (tests). */
  now?: Date;
}

export async function refreshEarningsRollups(db: Db, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const dense = Math.max(1, Math.floor(opts.denseLines ?? DENSE_LINES));
  const r = await refreshRollups(db, {
    lockKey: ROLLUP_LOCK_KEY,
    tables: { source: 'ledger_entries', state: 'earnings_rollup_state', candidates: 'earnings_rollup_candidates' },
    chunkIds: opts.chunkIds ?? DEFAULT_CHUNK_IDS,
    maxIds: opts.maxIds,
    // One snapshot per chunk, so every statement classifies each line's owner alike.
    isolation: 'repeatable read',
    before: (trx) => forgetOldDays(trx, opts.now ?? new Date()),
    // Influencers these lines make dense become so before their lines are rolled up: a rebuild then reads only
    // what was rolled up before (nothing, on a first backfill). Checked on every refresh, not only when lines
    // arrive: another refresh (with a higher threshold) may have rolled the lines up first.
    prepare: (trx, from, to) => promote(trx, from, to, dense),
    chunk: rollChunk,
  });
  const h = r.horizon;
  const lines = r.chunks.reduce((n, c) => n + c.lines, 0);
  const attributed = r.chunks.reduce((n, c) => n + c.attributed, 0);
  return {
    previousHorizon: h.previous,
    horizon: r.reached,
    lines,
    attributed,
    waitingFor: h.waitingFor,
    pendingUpTo: h.pendingUpTo,
    heldBackSince: h.heldBackSince,
  };
}

/**
 * Recent rows (organisation and influencer product rows by day, product rows by month of influencers who are not
 * dense) are kept
 * from the start of the previous UTC month on: enough for today, yesterday, 7 and 30 days, month to date and the
 * digest. When a month falls out, its rows go and recent_from moves, in one transaction, so readers either see the
 * rows or read those days from the ledger.
 */
async function forgetOldDays(trx: Db, now: Date): Promise<void> {
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const moved = await sql`UPDATE earnings_rollup_state SET recent_from = ${cutoff} WHERE id = 1 AND recent_from < ${cutoff}`.execute(trx);
  if (Number(moved.numAffectedRows ?? 0) === 0) return;
  await sql`DELETE FROM earnings_product_rollups WHERE tracking_id IS NULL AND grain = 'day' AND bucket < ${cutoff}`.execute(trx);
  await sql`
    DELETE FROM earnings_product_rollups r
     WHERE r.influencer_id IS NOT NULL AND r.grain = 'month' AND r.bucket < ${cutoff}
       AND NOT EXISTS (SELECT 1 FROM earnings_dense_influencers d WHERE d.influencer_id = r.influencer_id)`.execute(trx);
}

const names = (measures: Record<string, unknown>) => Object.keys(measures);
const cols = (list: string[]) => sql.join(list.map((n) => sql.id(n)));
/** sum(measure of each line)::bigint per column, from ledger lines e. */
const lineSums = (measures: Record<string, RawBuilder<unknown>>) =>
  sql.join(names(measures).map((n) => sql`sum((${measures[n]!})::bigint)::bigint AS ${sql.id(n)}`));
/** sum(column)::bigint per column, from finer rollup rows. */
const reSums = (list: string[]) => sql.join(list.map((n) => sql`sum(${sql.id(n)})::bigint AS ${sql.id(n)}`));
const addUp = (table: string, list: string[]) => sql.join(list.map((n) => sql`${sql.id(n)} = ${sql.id(table)}.${sql.id(n)} + excluded.${sql.id(n)}`));

/** Sums ledger ids (lo, hi] into the rollups and moves the horizon to hi, in the caller's transaction. */
async function rollChunk(trx: Db, lo: number, hi: number): Promise<{ lines: number; attributed: number }> {
  await sql`SET LOCAL work_mem = '128MB'`.execute(trx);
  const moved = await sql`UPDATE earnings_rollup_state SET horizon = ${hi}, refreshed_at = now() WHERE id = 1 AND horizon = ${lo}`.execute(trx);
  if (Number(moved.numAffectedRows ?? 0) !== 1) throw new Error(`The rollup horizon moved under this refresh (expected ${lo})`);

  // Lines that missed their owner (registered while their ingest was open) get it now, inside their organisation only,
  // from its holder (a claim waiting for verification is nobody's holding).
  const healed = await sql`
    UPDATE ledger_entries e SET influencer_id = t.influencer_id
      FROM tracking_ids t
     WHERE e.id > ${lo} AND e.id <= ${hi} AND e.influencer_id IS NULL AND t.tracking_id = e.tracking_id AND t.organisation_id = e.organisation_id AND t.verified`.execute(
    trx,
  );

  // Totals: hours from the lines; per tracking ID days (and hours of unattributed lines), months, years, all time;
  // per organisation hours, days, months, years, all time.
  const totals = names(TOTAL_MEASURES);
  const key = sql`organisation_id, tracking_id, influencer_id, currency`;
  const tUp = (from: string, grain: 'day' | 'month' | 'year') =>
    sql`SELECT date_trunc(${grain}, bucket, 'UTC') AS bucket, ${key}, ${reSums(totals)} FROM ${sql.table(from)} GROUP BY 1, 2, 3, 4, 5`;
  const tAll = (from: string) => sql`SELECT '-infinity'::timestamptz AS bucket, ${key}, ${reSums(totals)} FROM ${sql.table(from)} GROUP BY 2, 3, 4, 5`;
  const inserted = await sql<{ lines: string | null }>`
    WITH hours AS MATERIALIZED (
      SELECT date_trunc('hour', e.occurred_at, 'UTC') AS bucket, CASE WHEN e.influencer_id IS NULL THEN e.organisation_id END AS organisation_id,
             e.tracking_id, e.influencer_id, e.currency, ${lineSums(TOTAL_MEASURES)}
        FROM ledger_entries e
       WHERE e.id > ${lo} AND e.id <= ${hi}
       GROUP BY 1, 2, 3, 4, 5),
    t_hours AS (SELECT * FROM hours WHERE influencer_id IS NULL),
    t_days AS (${tUp('hours', 'day')}),
    t_months AS (${tUp('t_days', 'month')}),
    t_years AS (${tUp('t_months', 'year')}),
    t_all AS (${tAll('t_years')}),
    o_hours AS (
      SELECT h.bucket, i.organisation_id, NULL::text AS tracking_id, NULL::bigint AS influencer_id, h.currency, ${reSums(totals)}
        FROM hours h JOIN influencers i ON i.id = h.influencer_id GROUP BY 1, 2, 5),
    o_days AS (${tUp('o_hours', 'day')}),
    o_months AS (${tUp('o_days', 'month')}),
    o_years AS (${tUp('o_months', 'year')}),
    o_all AS (${tAll('o_years')}),
    ins AS (
      INSERT INTO earnings_rollups (grain, bucket, ${key}, ${cols(totals)})
      SELECT 'hour', * FROM t_hours UNION ALL SELECT 'day', * FROM t_days UNION ALL SELECT 'month', * FROM t_months
      UNION ALL SELECT 'year', * FROM t_years UNION ALL SELECT 'all', * FROM t_all
      UNION ALL SELECT 'hour', * FROM o_hours UNION ALL SELECT 'day', * FROM o_days UNION ALL SELECT 'month', * FROM o_months
      UNION ALL SELECT 'year', * FROM o_years UNION ALL SELECT 'all', * FROM o_all
      ON CONFLICT (organisation_id, tracking_id, influencer_id, grain, bucket, currency) DO UPDATE SET ${addUp('earnings_rollups', totals)})
    SELECT sum(lines)::bigint AS lines FROM t_all`.execute(trx);

  // Products: per organisation by day (recent days only), month, year, all time; per influencer by day (recent days,
  // dense influencers only), month (recent months only, unless dense), year and all time (dense only); lines
  // unattributed when rolled up per tracking ID by day, month, year, all time. One pass over the lines, by day and
  // owner, feeds them all.
  const products = names(PRODUCT_MEASURES);
  const unitCols = sql`organisation_id, influencer_id, tracking_id, asin, link_id, currency`;
  const up = (from: string, grain: 'month' | 'year', where = sql`true`) =>
    sql`SELECT date_trunc(${grain}, bucket, 'UTC') AS bucket, ${unitCols}, max(product_name) AS product_name, ${reSums(products)} FROM ${sql.table(from)} WHERE ${where} GROUP BY 1, 2, 3, 4, 5, 6, 7`;
  const all = (from: string, where = sql`true`) =>
    sql`SELECT '-infinity'::timestamptz AS bucket, ${unitCols}, max(product_name) AS product_name, ${reSums(products)} FROM ${sql.table(from)} WHERE ${where} GROUP BY 2, 3, 4, 5, 6, 7`;
  const isDense = sql`(tracking_id IS NOT NULL OR influencer_id IN (SELECT influencer_id FROM earnings_dense_influencers))`;
  await sql`
    WITH recent AS (SELECT recent_from FROM earnings_rollup_state WHERE id = 1),
    base AS MATERIALIZED (
      SELECT date_trunc('day', e.occurred_at, 'UTC') AS bucket, CASE WHEN e.influencer_id IS NULL THEN e.organisation_id END AS organisation_id,
             e.influencer_id, CASE WHEN e.influencer_id IS NULL THEN e.tracking_id END AS tracking_id,
             e.asin, e.link_id, e.currency, max(e.product_name) AS product_name, ${lineSums(PRODUCT_MEASURES)}
        FROM ledger_entries e
       WHERE e.id > ${lo} AND e.id <= ${hi} AND ${PRODUCT_LINES}
       GROUP BY 1, 2, 3, 4, 5, 6, 7),
    org_days_all AS MATERIALIZED (
      SELECT b.bucket, i.organisation_id, NULL::bigint AS influencer_id, NULL::text AS tracking_id, b.asin, b.link_id, b.currency,
             max(b.product_name) AS product_name, ${reSums(products)}
        FROM base b JOIN influencers i ON i.id = b.influencer_id
       GROUP BY 1, 2, 5, 6, 7),
    org_days AS (SELECT * FROM org_days_all WHERE bucket >= (SELECT recent_from FROM recent)),
    org_months AS (${up('org_days_all', 'month')}),
    org_years AS (${up('org_months', 'year')}),
    org_all AS (${all('org_years')}),
    t_days AS (SELECT * FROM base WHERE influencer_id IS NULL),
    unit_days AS (SELECT * FROM base WHERE bucket >= (SELECT recent_from FROM recent) AND influencer_id IN (SELECT influencer_id FROM earnings_dense_influencers)),
    unit_months_all AS MATERIALIZED (${up('base', 'month')}),
    unit_months AS (SELECT * FROM unit_months_all WHERE bucket >= (SELECT recent_from FROM recent) OR ${isDense}),
    unit_years AS (${up('unit_months_all', 'year', isDense)}),
    unit_all AS (${all('unit_years')})
    INSERT INTO earnings_product_rollups (grain, bucket, ${unitCols}, product_name, ${cols(products)})
    SELECT 'day', * FROM org_days UNION ALL SELECT 'month', * FROM org_months UNION ALL SELECT 'year', * FROM org_years UNION ALL SELECT 'all', * FROM org_all
    UNION ALL SELECT 'day', * FROM t_days UNION ALL SELECT 'day', * FROM unit_days
    UNION ALL SELECT 'month', * FROM unit_months UNION ALL SELECT 'year', * FROM unit_years UNION ALL SELECT 'all', * FROM unit_all
    ON CONFLICT (organisation_id, influencer_id, tracking_id, grain, bucket, asin, link_id, currency) DO UPDATE
      SET product_name = greatest(earnings_product_rollups.product_name, excluded.product_name), ${addUp('earnings_product_rollups', products)}`.execute(trx);

  // Lines no influencer owns (yet), by when they were ingested: the digest's unregistered tracking IDs.
  await sql`
    INSERT INTO earnings_unattributed_rollups (organisation_id, tracking_id, bucket, ingest_id, marketplace, currency, lines, confirmed_minor, pending_minor, first_created, last_created, first_id, last_id)
    SELECT e.organisation_id, e.tracking_id, date_trunc('hour', e.created_at, 'UTC'), e.ingest_id, e.marketplace, e.currency, count(*),
           coalesce(sum(e.amount_minor) FILTER (WHERE e.kind <> 'pending'), 0)::bigint, coalesce(sum(e.amount_minor) FILTER (WHERE e.kind = 'pending'), 0)::bigint,
           min(e.created_at), max(e.created_at), min(e.id), max(e.id)
      FROM ledger_entries e
     WHERE e.id > ${lo} AND e.id <= ${hi} AND e.influencer_id IS NULL
     GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (organisation_id, bucket, tracking_id, ingest_id, marketplace, currency) DO UPDATE SET
      lines = earnings_unattributed_rollups.lines + excluded.lines,
      confirmed_minor = earnings_unattributed_rollups.confirmed_minor + excluded.confirmed_minor,
      pending_minor = earnings_unattributed_rollups.pending_minor + excluded.pending_minor,
      first_created = least(earnings_unattributed_rollups.first_created, excluded.first_created),
      last_created = greatest(earnings_unattributed_rollups.last_created, excluded.last_created),
      first_id = least(earnings_unattributed_rollups.first_id, excluded.first_id),
      last_id = greatest(earnings_unattributed_rollups.last_id, excluded.last_id)`.execute(trx);

  return { lines: Number(inserted.rows[0]?.lines ?? 0), attributed: Number(healed.numAffectedRows ?? 0) };
}

/**
 * Influencers whose rolled-up lines plus those in (lo, hi] reach `denseLines` become dense now, their product rows
 * rebuilt from what is rolled up (ids <= lo).
 */
async function promote(trx: Db, lo: number, hi: number, denseLines: number): Promise<void> {
  const promoted = await sql<{ influencer_id: number }>`
    WITH rolled AS (
      SELECT r.influencer_id, sum(r.lines) AS lines FROM earnings_rollups r
       WHERE r.grain = 'all' AND r.influencer_id IS NOT NULL GROUP BY 1),
    coming AS (
      SELECT e.influencer_id, count(*) AS lines FROM ledger_entries e
       WHERE e.id > ${lo} AND e.id <= ${hi} AND e.influencer_id IS NOT NULL GROUP BY 1)
    SELECT coalesce(r.influencer_id, c.influencer_id) AS influencer_id
      FROM rolled r FULL JOIN coming c ON c.influencer_id = r.influencer_id
     WHERE coalesce(r.lines, 0) + coalesce(c.lines, 0) >= ${denseLines}
       AND coalesce(r.influencer_id, c.influencer_id) NOT IN (SELECT influencer_id FROM earnings_dense_influencers)`.execute(trx);
  if (promoted.rows.length > 0)
    await makeDense(
      trx,
      promoted.rows.map((r) => Number(r.influencer_id)),
      lo,
    );
}

/**
 * Rebuilds the influencers' product rows (by day for recent days, by month and year for all history, and all time) from
 * their ledger lines with
 * id <= hi, and marks them dense. Lines that were unattributed when rolled up stay in their tracking ID's rows, so
 * they are taken out again: those rows hold exactly such lines, all of them the owner's by now.
 */
async function makeDense(trx: Db, influencers: number[], hi: number): Promise<void> {
  const products = names(PRODUCT_MEASURES);
  const key = ['bucket', 'influencer_id', 'asin', 'link_id', 'currency'];
  const same = sql.join(
    key.map((k) => sql`u.${sql.id(k)} IS NOT DISTINCT FROM a.${sql.id(k)}`),
    sql` AND `,
  );
  const net = sql.join(products.map((n) => sql`(a.${sql.id(n)} - coalesce(u.${sql.id(n)}, 0))::bigint AS ${sql.id(n)}`));
  await sql`DELETE FROM earnings_product_rollups WHERE influencer_id = ANY(${influencers}::bigint[]) AND organisation_id IS NULL AND tracking_id IS NULL`.execute(
    trx,
  );
  await sql`
    WITH recent AS (SELECT recent_from FROM earnings_rollup_state WHERE id = 1),
    lines_by_day AS (
      SELECT date_trunc('day', e.occurred_at, 'UTC') AS bucket, e.influencer_id, e.asin, e.link_id, e.currency,
             max(e.product_name) AS product_name, ${lineSums(PRODUCT_MEASURES)}
        FROM ledger_entries e
       WHERE e.influencer_id = ANY(${influencers}::bigint[]) AND e.id <= ${hi} AND ${PRODUCT_LINES}
       GROUP BY 1, 2, 3, 4, 5),
    unattributed AS (
      SELECT r.bucket, t.influencer_id, r.asin, r.link_id, r.currency, ${reSums(products)}
        FROM earnings_product_rollups r JOIN tracking_ids t ON t.tracking_id = r.tracking_id COLLATE "default" AND t.organisation_id = r.organisation_id AND t.verified
       WHERE r.influencer_id IS NULL AND r.tracking_id IS NOT NULL AND r.grain = 'day' AND t.influencer_id = ANY(${influencers}::bigint[])
       GROUP BY 1, 2, 3, 4, 5),
    days AS MATERIALIZED (
      SELECT a.bucket, NULL::bigint AS organisation_id, a.influencer_id, NULL::text AS tracking_id, a.asin, a.link_id, a.currency, a.product_name, ${net}
        FROM lines_by_day a LEFT JOIN unattributed u ON ${same}
       WHERE a.lines - coalesce(u.lines, 0) > 0),
    months AS MATERIALIZED (
      SELECT date_trunc('month', bucket, 'UTC') AS bucket, NULL::bigint AS organisation_id, influencer_id, NULL::text AS tracking_id, asin, link_id, currency,
             max(product_name) AS product_name, ${reSums(products)}
        FROM days GROUP BY 1, 3, 5, 6, 7),
    years AS MATERIALIZED (
      SELECT date_trunc('year', bucket, 'UTC') AS bucket, NULL::bigint AS organisation_id, influencer_id, NULL::text AS tracking_id, asin, link_id, currency,
             max(product_name) AS product_name, ${reSums(products)}
        FROM months GROUP BY 1, 3, 5, 6, 7)
    INSERT INTO earnings_product_rollups (grain, bucket, organisation_id, influencer_id, tracking_id, asin, link_id, currency, product_name, ${cols(products)})
    SELECT 'day', * FROM days WHERE bucket >= (SELECT recent_from FROM recent)
    UNION ALL SELECT 'month', * FROM months
    UNION ALL SELECT 'year', * FROM years
    UNION ALL
    SELECT 'all', '-infinity'::timestamptz, NULL, influencer_id, NULL, asin, link_id, currency, max(product_name), ${reSums(products)}
      FROM years GROUP BY influencer_id, asin, link_id, currency`.execute(trx);
  await sql`INSERT INTO earnings_dense_influencers (influencer_id) SELECT unnest(${influencers}::bigint[]) ON CONFLICT DO NOTHING`.execute(trx);
}
