// One report file → ledger entries, atomically. Rows are streamed through COPY into a temporary staging
// table; everything after that is set-based SQL in the same transaction:
//   1. keys: content hash + ordinal among identical rows (so re-ingesting gives the same keys),
//   2. insert the lines the ledger does not hold yet, in its index order (what is already there is "unchanged"),
//   3. a report is the truth for its window: lines of earlier reports in that window, for the same
//      tracking IDs, that are missing now are reversed (never deleted),
//   4. pending estimates matched by a confirmed shipment (same tracking ID and ASIN, shipped on or after
//      the order) are released, so nothing counts twice.
// A file that cannot be read is rejected whole; bad rows are rejected one by one with their line numbers.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { poolOf, type Db } from '../../db/database.ts';
import { readReportFile } from '../feeds/readReportFile.ts';
import type { FeedItem, ReportFile } from '../feeds/types.ts';
import { MARKETPLACES, requireMarketplace } from '../amazon/marketplaces.ts';
import { addDays } from '../common/time.ts';
import { MAX_STORED_ROW_ERRORS, type IngestCounts, type RowErrorRecord } from './ingests.ts';
import { ledgerNetwork } from './networks.ts';
import { STAGING_COLUMNS, stagingLine } from './stagingRows.ts';

export interface IngestResult {
  counts: IngestCounts;
  rowErrors: RowErrorRecord[];
  reports: unknown[];
  summary: IngestSummary;
  /** Influencers with new entries in this ingest, for notifications. */
  affectedInfluencers: number[];
}

export interface IngestSummary {
  marketplace: string | null;
  marketplaceSource: string | null;
  format: string;
  byKind: Array<{ kind: string; currency: string; entries: number; amountMinor: number }>;
  unmappedCategories: string[];
  unattributedTrackingIds: string[];
  /** Link codes on lines that name no link of the tracking ID's owner (unknown, or someone else's): not credited to a link. */
  unmatchedLinkCodes: string[];
  /** Orders-based estimates against Amazon's confirmed Ad Fees for the same tracking ID + ASIN. */
  estimateAccuracy: Array<{ currency: string; pairs: number; estimatedMinor: number; confirmedMinor: number; differenceMinor: number }>;
  rateCardFallback: string | null;
  /** Wall time of each step, ms: where a slow ingest spent its time (read = parse + COPY, overlapped). */
  stepsMs: { read: number; rates: number; keys: number; insert: number; windows: number; release: number; summary: number };
}

/**
 * A re-issued window would reverse more than half of the confirmed lines it covers: nothing of the file is applied
 * until it is sent again with confirmation (CLI --confirm, API ?confirm=1).
 */
export class ReversalHold extends Error {
  override name = 'ReversalHold';
  constructor(
    readonly reportType: string,
    readonly from: string,
    readonly to: string,
    readonly reversing: number,
    readonly confirmed: number,
  ) {
    super(
      `Held: this ${reportType} report for ${from} to ${to} would reverse ${reversing} of the ${confirmed} confirmed lines already recorded for that window. ` +
        'Nothing was applied. If the report is right (Amazon re-issued the window), send it again with confirmation (CLI --confirm, feeds API ?confirm=1).',
    );
  }
}

/** A line's commission: the report's own figure, else the estimate from the rate card. */
const LINE_AMOUNT = 'coalesce(amount_minor, round(revenue_minor * coalesce(rate_bp, 0) / 10000.0)::bigint)';

const CURRENCY_MARKET: Record<string, string> = {
  USD: 'US',
  CAD: 'CA',
  GBP: 'UK',
  EUR: 'DE',
  JPY: 'JP',
  AUD: 'AU',
  INR: 'IN',
  MXN: 'MX',
  BRL: 'BR',
  SEK: 'SE',
  PLN: 'PL',
  SGD: 'SG',
  AED: 'AE',
  SAR: 'SA',
  TRY: 'TR',
  EGP: 'EG',
};

/** Milliseconds since the previous lap (or the start). */
function stepClock() {
  let last = performance.now();
  return {
    lap(): number {
      const now = performance.now();
      const ms = Math.round(now - last);
      last = now;
      return ms;
    },
  };
}

export interface IngestFileArgs {
  ingestId: string;
  /** The organisation whose report this is: its lines are its own, credited only to its influencers. */
  organisationId: number;
  /** The label the report came under (a known network); Amazon's reports are recorded as Amazon's whatever it is. */
  network: string;
  /** Apply a re-issued window even when it reverses more than half of the confirmed lines it covers. */
  confirmReversals?: boolean | undefined;
  filePath: string;
  marketplace?: string | null | undefined;
  /** Runs in the ingest's transaction just before it commits: the outcome is recorded with the lines, or neither is. */
  beforeCommit?: (client: pg.PoolClient, result: IngestResult) => Promise<void>;
  /** Told how far the ingest got: rows read so far (at most every PROGRESS_INTERVAL_MS), then once when the ledger write starts. */
  onProgress?: ((progress: IngestProgress) => void) | undefined;
  /** Minimum time between two 'reading' reports (default PROGRESS_INTERVAL_MS). */
  progressIntervalMs?: number | undefined;
}

export interface IngestProgress {
  phase: 'reading' | 'writing';
  /** Rows read so far, rejected ones included. */
  rows: number;
}

/** At most this often while reading. The clock is read once per parsed batch (a 256 KB chunk), never per row. */
export const PROGRESS_INTERVAL_MS = 250;

export async function ingestFile(db: Db, args: IngestFileArgs): Promise<IngestResult> {
  const file = await readReportFile(args.filePath, {
    ...(args.marketplace ? { marketplace: args.marketplace } : {}),
    // Where this organisation's influencers hold the file's tracking IDs (another organisation's say nothing here, nor
    // does a claim still waiting for verification).
    registeredMarketplaces: async (trackingIds) => {
      const rows = await db
        .selectFrom('tracking_ids as t')
        .select(['t.tracking_id', 't.marketplace'])
        .where('t.tracking_id', 'in', trackingIds)
        .where('t.organisation_id', '=', args.organisationId)
        .where('t.verified', '=', true)
        .execute();
      return new Map(rows.map((r) => [r.tracking_id, r.marketplace]));
    },
  });
  const marketplace = file.marketplace?.code ?? (args.marketplace ? requireMarketplace(args.marketplace).code : null);
  const network = ledgerNetwork(args.network, file.format === 'jsonl');
  const client = await poolOf(db).connect();
  try {
    await client.query('BEGIN');
    const result = await ingestInTransaction(client, file, marketplace, { ...args, network });
    await args.beforeCommit?.(client, result);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function ingestInTransaction(
  client: pg.PoolClient,
  file: ReportFile,
  marketplace: string | null,
  args: Pick<IngestFileArgs, 'ingestId' | 'organisationId' | 'network' | 'confirmReversals' | 'onProgress' | 'progressIntervalMs'>,
): Promise<IngestResult> {
  const org = Number(args.organisationId);
  if (!Number.isSafeInteger(org)) throw new Error(`Bad organisation id ${String(args.organisationId)}`);
  await prepareTransaction(client, org, args.network);
  const steps = stepClock();
  const staged = await stageRows(client, file, marketplace, args);
  const read = steps.lap();
  const rates = await lookUpRates(client);
  const ratesMs = steps.lap();
  await keyAndAttribute(client, org, { estimating: rates.estimating, linkCodes: staged.linkCodes });
  const keys = steps.lap();
  const inserted = await insertNewLines(client, args.ingestId, args.network, org);
  const insert = steps.lap();
  const vanished = await reverseVanishedLines(client, file, marketplace, { ...args, org });
  const windowsMs = steps.lap();
  const released = await releaseCoveredEstimates(client, args.ingestId, args.network, org);
  const release = steps.lap();
  const people = await summaryForPeople(client, staged.linkCodes);
  const summaryMs = steps.lap();

  // Influencers with new entries, and lines reversed by this ingest (return rows, plus lines that vanished from
  // a re-issued window; releases are not reversals), from what the inserts returned. An earlier attempt of this
  // ingest either rolled back whole or committed with its outcome (see beforeCommit), so this run saw a clean slate.
  const affected = [...new Set([...inserted.affected, ...vanished.affected, ...released])].sort((a, b) => a - b);
  const counts: IngestCounts = {
    rows: staged.rows + staged.rejected,
    accepted: inserted.accepted,
    unchanged: staged.rows - inserted.accepted,
    reversed: inserted.reversed + vanished.reversed,
    rejected: staged.rejected,
    unattributed: people.unattributed.reduce((n, r) => n + Number(r.n), 0),
  };
  return {
    counts,
    rowErrors: staged.rowErrors,
    reports: file.reports,
    affectedInfluencers: affected,
    summary: {
      marketplace,
      marketplaceSource: file.marketplace?.source ?? null,
      format: file.zipped ? `${file.format} (zipped)` : file.format,
      byKind: inserted.byKind.map((r) => ({ kind: r.kind, currency: r.currency, entries: Number(r.n), amountMinor: Number(r.amount) })),
      unmappedCategories: people.unmappedCategories,
      unattributedTrackingIds: people.unattributed.map((r) => r.tracking_id),
      unmatchedLinkCodes: people.unmatchedLinkCodes,
      estimateAccuracy: people.estimateAccuracy,
      rateCardFallback: rates.usFallback ? 'US' : null,
      stepsMs: { read, rates: ratesMs, keys, insert, windows: windowsMs, release, summary: summaryMs },
    },
  };
}

/** The transaction's lock, limits and staging table. */
async function prepareTransaction(client: pg.PoolClient, org: number, network: string): Promise<void> {
  // One ingest per organisation and network at a time: new lines are found by looking for them (cheaper than ON
  // CONFLICT's speculative inserts), which is only safe when no other ingest adds the same lines meanwhile; lines are
  // unique per organisation, so other organisations' ingests run alongside. Overlapping windows are also judged
  // against a settled ledger. The unique indexes still refuse any duplicate.
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('ledger-ingest:' || $1 || ':' || $2))`, [org, network]);
  // A worker that dies mid-file must not leave its transaction (and the lock) to run on: the server checks the
  // client is still there every second, also while a long statement runs.
  await client.query(`SELECT set_config('client_connection_check_interval', '1s', true) WHERE current_setting('server_version_num')::int >= 140000`);
  // The sort of a file's lines below runs in memory: give it room, for this transaction only.
  await client.query(`SET LOCAL work_mem = '256MB'`);
  await client.query(`CREATE TEMP TABLE staging (
      seq bigint, report_type text, line int, content_key text COLLATE "C", kind text, tracking_id text COLLATE "C", marketplace text, asin text,
      product_name text, category text, occurred_local timestamp, occurred_utc timestamptz, quantity int,
      revenue_minor bigint, amount_minor bigint, currency text, link_code text COLLATE "C") ON COMMIT DROP`);
}

/** Every row of the file into staging; row errors collected on the way. */
async function stageRows(
  client: pg.PoolClient,
  file: ReportFile,
  marketplace: string | null,
  args: Pick<IngestFileArgs, 'onProgress' | 'progressIntervalMs'>,
): Promise<{ rows: number; rejected: number; rowErrors: RowErrorRecord[]; linkCodes: boolean }> {
  // Parsing (here) and COPY (in Postgres) overlap: each parsed batch is written while the next is read.
  const rowErrors: RowErrorRecord[] = [];
  let rejected = 0;
  let rows = 0;
  let linkCodes = false;
  const fallbackMarket = (currency: string) => marketplace ?? CURRENCY_MARKET[currency] ?? 'US';
  const onProgress = args.onProgress;
  const progressInterval = args.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  // Progress is news, not part of the ingest: a listener that throws must not fail the file.
  const tell = (progress: IngestProgress) => {
    try {
      onProgress?.(progress);
    } catch {
      // ignored
    }
  };
  let progressAt = performance.now();
  async function* lines(): AsyncGenerator<string> {
    for await (const batch of file.batches()) {
      let chunk = '';
      for (const item of batch as FeedItem[]) {
        if (item.kind === 'error') {
          rejected++;
          if (rowErrors.length < MAX_STORED_ROW_ERRORS) rowErrors.push({ line: item.line, sheet: item.sheet, message: item.message });
          continue;
        }
        rows++;
        if (item.kind === 'event' && item.linkCode) linkCodes = true;
        chunk += `${rows}\t` + stagingLine(item, item.kind === 'event' ? fallbackMarket(item.currency) : (marketplace ?? 'US'));
      }
      if (onProgress) {
        const now = performance.now();
        if (now - progressAt >= progressInterval) {
          progressAt = now;
          tell({ phase: 'reading', rows: rows + rejected });
        }
      }
      if (chunk) yield chunk;
    }
  }
  await pipeline(Readable.from(lines()), client.query(copyStreams.from(`COPY staging (seq, ${STAGING_COLUMNS.join(', ')}) FROM STDIN`)));
  // Every row is staged: from here on the ledger is written (rates, keys, then the insert).
  tell({ phase: 'writing', rows: rows + rejected });
  return { rows, rejected, rowErrors, linkCodes };
}

/** The rates in force for rows whose commission is estimated (a temp table), and whether any store fell back to US. */
async function lookUpRates(client: pg.PoolClient): Promise<{ estimating: boolean; usFallback: boolean }> {
  // Rate in force on the (store-local) order date, for rows whose commission is estimated; stores without their
  // own card use the US card. Looked up once per distinct (store, category, day), not once per row.
  const zoneList = [...MARKETPLACES.values()];
  await client.query(`CREATE TEMP TABLE rates ON COMMIT DROP AS
    SELECT d.marketplace, d.no_category, d.category_key, d.day, r.rate_bp, (m.rate_category IS NULL AND d.category IS NOT NULL) AS unmapped
      FROM (SELECT DISTINCT s.marketplace, s.category, s.category IS NULL AS no_category, coalesce(s.category, '') AS category_key,
                   coalesce(s.occurred_local, s.occurred_utc)::date AS day
              FROM staging s
             WHERE s.amount_minor IS NULL AND s.marketplace IN (${zoneList.map((m) => `'${m.code}'`).join(', ')})) d
      LEFT JOIN category_mappings m ON m.marketplace = CASE WHEN EXISTS (SELECT 1 FROM category_mappings x WHERE x.marketplace = d.marketplace) THEN d.marketplace ELSE 'US' END
                                   AND m.report_category = d.category
      LEFT JOIN LATERAL (
        SELECT rc.rate_bp FROM rate_cards rc
         WHERE rc.marketplace = CASE WHEN EXISTS (SELECT 1 FROM rate_cards y WHERE y.marketplace = d.marketplace) THEN d.marketplace ELSE 'US' END
           AND rc.category = coalesce(m.rate_category, 'All Other')
           AND rc.effective_from <= d.day
           AND (rc.effective_to IS NULL OR rc.effective_to > d.day)
         ORDER BY rc.effective_from DESC LIMIT 1) r ON true`);
  // Statistics make the join below a hash on this small table, never a sort of the whole file.
  await client.query('ANALYZE rates');
  const estimating = (await client.query<{ x: boolean }>('SELECT EXISTS (SELECT 1 FROM rates) AS x')).rows[0]?.x === true;
  const rateFallback = await client.query<{ m: string }>(
    `SELECT DISTINCT d.marketplace AS m FROM rates d WHERE NOT EXISTS (SELECT 1 FROM rate_cards r WHERE r.marketplace = d.marketplace)`,
  );
  return { estimating, usFallback: rateFallback.rows.length > 0 };
}

/** Line keys, UTC times, the organisation's holder of each tracking ID, rates and links: the `staged` temp table. */
async function keyAndAttribute(client: pg.PoolClient, org: number, opts: { estimating: boolean; linkCodes: boolean }): Promise<void> {
  const { estimating, linkCodes } = opts;
  const zones = [...MARKETPLACES.values()].map((m) => `('${m.code}', '${m.reportTimeZone}')`).join(', ');
  // Keys: the content hash plus the ordinal among identical rows, so re-ingesting gives the same keys. Identical
  // rows are rare: ordinals are worked out for those alone (a hash aggregate), never by sorting the whole file.
  // Identical report rows share their tracking ID and store-local time (both are hashed into the content key);
  // our JSON-lines events key on their order id alone.
  await client.query(`CREATE TEMP TABLE ordinals ON COMMIT DROP AS
    SELECT seq, row_number() OVER (PARTITION BY report_type, content_key ORDER BY seq) AS ordinal
      FROM staging
     WHERE (report_type, content_key) IN (SELECT report_type, content_key FROM staging GROUP BY 1, 2 HAVING count(*) > 1)`);
  await client.query('ANALYZE ordinals');

  // Time zones, attribution and estimates, materialised once for the steps below. Only a holding (a verified
  // tracking ID, one per organisation) credits a line: a claim waiting for verification leaves it unattributed.
  await client.query(`CREATE TEMP TABLE staged ON COMMIT DROP AS
    SELECT s.*, (s.report_type || ':' || s.content_key || ':' || coalesce(o.ordinal, 1)) COLLATE "C" AS line_key,
           coalesce(s.occurred_utc, s.occurred_local AT TIME ZONE z.tz) AS occurred_at,
           t.influencer_id, ${estimating ? 'r.rate_bp, r.unmapped' : 'NULL::int AS rate_bp, NULL::boolean AS unmapped'},
           ${linkCodes ? 'CASE WHEN lk.influencer_id = t.influencer_id THEN lk.id END' : 'NULL::bigint'} AS link_id
      FROM staging s
      JOIN (VALUES ${zones}) AS z(code, tz) ON z.code = s.marketplace
      LEFT JOIN ordinals o ON o.seq = s.seq
      LEFT JOIN tracking_ids t ON t.organisation_id = ${org} AND t.tracking_id = s.tracking_id AND t.verified
      ${linkCodes ? 'LEFT JOIN links lk ON lk.code = s.link_code' : ''}
      ${
        estimating
          ? `LEFT JOIN rates r ON s.amount_minor IS NULL AND r.marketplace = s.marketplace AND r.no_category = (s.category IS NULL)
                       AND r.category_key = coalesce(s.category, '') AND r.day = coalesce(s.occurred_local, s.occurred_utc)::date`
          : ''
      }`);
  await client.query('ANALYZE staged');
}

/** The staged lines the ledger does not hold yet, inserted; counts by kind and currency. */
async function insertNewLines(client: pg.PoolClient, ingestId: string, network: string, org: number) {
  // New lines: those the ledger does not hold yet (looked up, which the lock above makes safe), written in
  // (tracking ID, time) order, the order of the ledger's line index, so a million inserts touch few pages.
  const inserted = await client.query<{ kind: string; currency: string; n: string; amount: string; influencers: string[] | null }>(
    `WITH ins AS (
       INSERT INTO ledger_entries (organisation_id, ingest_id, network, line_key, kind, report_type, tracking_id, influencer_id, marketplace, asin,
                                   product_name, category, occurred_at, quantity, revenue_minor, amount_minor, currency, source_line, rate_bp, link_id)
       SELECT $3, $1, $2, s.line_key, s.kind, s.report_type, s.tracking_id, s.influencer_id, s.marketplace, s.asin,
              left(s.product_name, 150), s.category, s.occurred_at, s.quantity, s.revenue_minor,
              ${LINE_AMOUNT}, s.currency, s.line, s.rate_bp, s.link_id
         FROM staged s
        WHERE NOT EXISTS (
                SELECT 1 FROM ledger_entries e
                 WHERE s.report_type <> 'events' AND e.report_type <> 'events' AND e.organisation_id = $3 AND e.network = $2 AND e.tracking_id COLLATE "C" = s.tracking_id
                   AND e.occurred_at = s.occurred_at AND e.line_key COLLATE "C" = s.line_key AND e.kind = s.kind)
          AND NOT EXISTS (
                SELECT 1 FROM ledger_entries e
                 WHERE s.report_type = 'events' AND e.report_type = 'events' AND e.organisation_id = $3 AND e.network = $2 AND e.line_key COLLATE "C" = s.line_key AND e.kind = s.kind)
        ORDER BY s.tracking_id, s.occurred_at
       RETURNING kind, currency, amount_minor, influencer_id)
     SELECT kind, currency, count(*) AS n, sum(amount_minor) AS amount,
            (SELECT array_agg(DISTINCT influencer_id) FROM ins WHERE influencer_id IS NOT NULL) AS influencers
       FROM ins GROUP BY kind, currency ORDER BY kind, currency`,
    [ingestId, network, org],
  );
  const affected = new Set<number>((inserted.rows[0]?.influencers ?? []).map(Number));
  const reversed = inserted.rows.filter((r) => r.kind === 'reversal').reduce((n, r) => n + Number(r.n), 0);

  // Fresh statistics after a large insert keep the planner off sequential scans in the steps below.
  if (inserted.rows.reduce((n, r) => n + Number(r.n), 0) > 1000) await analyzeUnlessBusy(client, 'ledger_entries');
  return { byKind: inserted.rows, accepted: inserted.rows.reduce((n, r) => n + Number(r.n), 0), reversed, affected };
}

/** Lines missing from a re-issued window, reversed (or the whole file held for confirmation). */
async function reverseVanishedLines(
  client: pg.PoolClient,
  file: ReportFile,
  marketplace: string | null,
  args: Pick<IngestFileArgs, 'ingestId' | 'network' | 'confirmReversals'> & { org: number },
): Promise<{ reversed: number; affected: Set<number> }> {
  const org = args.org;
  let reversed = 0;
  const affected = new Set<number>();
  // Lines that vanished from a re-issued window are reversed. Scope: this organisation's lines, the window's
  // marketplace and the tracking IDs this report covers (and their holders' other holdings), so another
  // account's report for the same dates never reverses this one's lines. Lines this ingest just wrote came
  // from staged, so they are skipped before the (costlier) look-up in staged. A window that would reverse more
  // than half of the confirmed lines it covers is held for confirmation (a truncated or wrong file, most
  // likely): nothing of the file is applied until it is sent again with confirmation.
  const windows = file.reports
    .filter((r) => r.window && r.kind !== 'events')
    .map((r) => ({ type: r.kind, start: r.window!.start, endExclusive: addDays(r.window!.end, 1) }));
  const inWindow = `e.organisation_id = $8 AND e.network = $2 AND e.report_type = $3 AND e.marketplace = $4
          AND e.occurred_at >= ($5::timestamp AT TIME ZONE $7) AND e.occurred_at < ($6::timestamp AT TIME ZONE $7)
          AND e.reverses_entry_id IS NULL
          AND e.ingest_id IS DISTINCT FROM $1
          AND e.tracking_id COLLATE "C" IN (
                SELECT DISTINCT tracking_id FROM staged WHERE report_type = $3
                UNION SELECT t2.tracking_id COLLATE "C" FROM tracking_ids t1 JOIN tracking_ids t2 ON t2.influencer_id = t1.influencer_id AND t2.verified
                 WHERE t1.organisation_id = $8 AND t1.verified AND t1.tracking_id COLLATE "C" IN (SELECT DISTINCT tracking_id FROM staged WHERE report_type = $3))
          AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_entry_id = e.id)`;
  const vanishedLine = `NOT EXISTS (SELECT 1 FROM staged s WHERE s.line_key = e.line_key COLLATE "C")`;
  for (const w of windows) {
    const tz = MARKETPLACES.get(marketplace ?? 'US')!.reportTimeZone;
    const params = [args.ingestId, args.network, w.type, marketplace ?? 'US', w.start, w.endExclusive, tz, org];
    const covered = await client.query<{ confirmed: string; gone: string; vanished: string }>(
      // A join, not NOT EXISTS inside FILTER: that ran as a scan of staged per ledger line (re-ingesting the 10,195-line
      // US workbook spent 12 s here, 45 ms with the join). Line keys are unique within staged.
      `SELECT count(*) FILTER (WHERE e.kind = 'confirmed') AS confirmed,
              count(*) FILTER (WHERE e.kind = 'confirmed' AND s.line_key IS NULL) AS gone,
              count(*) FILTER (WHERE s.line_key IS NULL) AS vanished
         FROM ledger_entries e LEFT JOIN staged s ON s.line_key = e.line_key COLLATE "C"
        WHERE ${inWindow}`,
      params,
    );
    const confirmed = Number(covered.rows[0]?.confirmed ?? 0);
    const gone = Number(covered.rows[0]?.gone ?? 0);
    if (gone * 2 > confirmed && !args.confirmReversals) throw new ReversalHold(w.type, w.start, addDays(w.endExclusive, -1), gone, confirmed);
    if (Number(covered.rows[0]?.vanished ?? 0) === 0) continue;
    const vanished = await client.query<{ n: string; influencers: string[] | null }>(
      `WITH v AS (
       INSERT INTO ledger_entries (organisation_id, ingest_id, network, line_key, kind, report_type, tracking_id, influencer_id, marketplace, asin,
                                   product_name, category, occurred_at, quantity, revenue_minor, amount_minor, currency, source_line, rate_bp, reverses_entry_id, link_id)
       SELECT e.organisation_id, $1, e.network, 'vanished:' || e.id, CASE WHEN e.kind = 'pending' THEN 'pending' ELSE 'reversal' END, e.report_type, e.tracking_id,
              e.influencer_id, e.marketplace, e.asin, e.product_name, e.category, e.occurred_at, -e.quantity, -e.revenue_minor, -e.amount_minor,
              e.currency, e.source_line, e.rate_bp, e.id, e.link_id
         FROM ledger_entries e
        WHERE ${inWindow} AND ${vanishedLine}
       ON CONFLICT DO NOTHING
       RETURNING influencer_id)
       SELECT count(*) AS n, array_agg(DISTINCT influencer_id) FILTER (WHERE influencer_id IS NOT NULL) AS influencers FROM v`,
      params,
    );
    reversed += Number(vanished.rows[0]?.n ?? 0);
    for (const id of vanished.rows[0]?.influencers ?? []) affected.add(Number(id));
  }
  return { reversed, affected };
}

/**
 * ANALYZE `table` unless another transaction is analysing it. ANALYZE holds its lock until the transaction commits,
 * so an ingest waiting for it would wait for another organisation's whole ingest: ingests of different organisations
 * would run one after another. This one goes on with the statistics there are instead (the other is refreshing them).
 */
async function analyzeUnlessBusy(client: pg.PoolClient, table: 'ledger_entries'): Promise<void> {
  await client.query('SAVEPOINT analyze_unless_busy');
  try {
    await client.query(`SET LOCAL lock_timeout = '100ms'`);
    await client.query(`ANALYZE ${table}`);
    await client.query('RELEASE SAVEPOINT analyze_unless_busy');
    // The savepoint's SET LOCAL outlives it once released: the rest of the ingest waits for locks as before.
    await client.query(`SET LOCAL lock_timeout = 0`);
  } catch (err) {
    if ((err as { code?: string }).code !== '55P03') throw err; // lock_not_available
    await client.query('ROLLBACK TO SAVEPOINT analyze_unless_busy');
  }
}

/** Pending estimates that confirmed shipments now cover, released; the influencers concerned. */
async function releaseCoveredEstimates(client: pg.PoolClient, ingestId: string, network: string, org: number): Promise<Set<number>> {
  const affected = new Set<number>();
  // Release pending estimates that confirmed shipments now cover (FIFO by order time, by quantity). Only
  // (tracking ID, ASIN) pairs with a pending estimate can release anything, so the candidates are those
  // pairs' entries; a file that confirms nothing still pending skips the step. The candidates go through a
  // temp table with statistics: CTE row estimates of 1 made the planner pick nested loops that took seconds.
  const cand = await client.query(
    `CREATE TEMP TABLE cand ON COMMIT DROP AS
     WITH tags AS (SELECT DISTINCT tracking_id FROM staged WHERE kind = 'confirmed' AND asin IS NOT NULL),
          pending_pairs AS (
            SELECT DISTINCT e.tracking_id, e.asin FROM tags JOIN ledger_entries e ON e.tracking_id = tags.tracking_id
             WHERE e.kind = 'pending' AND e.organisation_id = $2 AND e.network = $1 AND e.reverses_entry_id IS NULL AND e.asin IS NOT NULL),
          pairs AS (
            SELECT DISTINCT s.tracking_id, s.asin FROM staged s JOIN pending_pairs p ON p.tracking_id = s.tracking_id AND p.asin = s.asin
             WHERE s.kind = 'confirmed')
     SELECT e.* FROM pairs p JOIN ledger_entries e ON e.tracking_id = p.tracking_id AND e.asin = p.asin
      WHERE e.kind = 'pending' AND e.organisation_id = $2 AND e.network = $1 AND e.reverses_entry_id IS NULL
     UNION ALL
     SELECT e.* FROM pairs p JOIN ledger_entries e ON e.tracking_id = p.tracking_id AND e.asin = p.asin
      WHERE e.kind = 'confirmed' AND e.organisation_id = $2 AND e.network = $1 AND e.reverses_entry_id IS NULL`,
    [network, org],
  );
  if ((cand.rowCount ?? 0) > 0) {
    await client.query('ANALYZE cand');
    const released = await client.query<{ influencers: string[] | null }>(
      `WITH undone AS (
         SELECT r.reverses_entry_id AS id, bool_or(r.report_type <> 'release') AS vanished, bool_or(r.report_type = 'release') AS released
           FROM cand c JOIN ledger_entries r ON r.reverses_entry_id = c.id GROUP BY 1),
       live AS (SELECT c.*, coalesce(u.released, false) AS released FROM cand c LEFT JOIN undone u ON u.id = c.id WHERE NOT coalesce(u.vanished, false)),
       shipped AS (SELECT tracking_id, asin, sum(quantity) AS qty, max(occurred_at) AS last FROM live WHERE kind = 'confirmed' GROUP BY 1, 2),
       pend AS (
         SELECT l.*, sum(l.quantity) OVER (PARTITION BY l.tracking_id, l.asin ORDER BY l.occurred_at, l.id) AS cum
           FROM live l WHERE l.kind = 'pending' AND l.amount_minor >= 0),
       rel AS (
       INSERT INTO ledger_entries (organisation_id, ingest_id, network, line_key, kind, report_type, tracking_id, influencer_id, marketplace, asin,
                                   product_name, category, occurred_at, quantity, revenue_minor, amount_minor, currency, source_line, rate_bp, reverses_entry_id, link_id)
       SELECT p.organisation_id, $1, p.network, 'release:' || p.id, 'pending', 'release', p.tracking_id, p.influencer_id, p.marketplace, p.asin, p.product_name,
              p.category, p.occurred_at, -p.quantity, -p.revenue_minor, -p.amount_minor, p.currency, p.source_line, p.rate_bp, p.id, p.link_id
         FROM pend p JOIN shipped s ON s.tracking_id = p.tracking_id AND s.asin = p.asin
        WHERE p.cum <= s.qty AND p.occurred_at <= s.last AND NOT p.released
       ON CONFLICT DO NOTHING
       RETURNING influencer_id)
       SELECT array_agg(DISTINCT influencer_id) FILTER (WHERE influencer_id IS NOT NULL) AS influencers FROM rel`,
      [ingestId],
    );
    for (const id of released.rows[0]?.influencers ?? []) affected.add(Number(id));
  }
  return affected;
}

/** What the summary tells people: unmapped categories, unknown link codes, unattributed tracking IDs, estimate accuracy. */
async function summaryForPeople(client: pg.PoolClient, linkCodes: boolean) {
  // Summary figures for people: unmapped categories, unattributed tracking IDs, estimate accuracy.
  // One client, one query at a time (pg does not pipeline on a single connection).
  const unmapped = await client.query<{ category: string }>(`SELECT DISTINCT category FROM staged WHERE unmapped ORDER BY 1 LIMIT 100`);
  const unmatchedLinks = linkCodes
    ? await client.query<{ link_code: string }>(`SELECT DISTINCT link_code FROM staged WHERE link_code IS NOT NULL AND link_id IS NULL ORDER BY 1 LIMIT 100`)
    : { rows: [] };
  const unattributed = await client.query<{ tracking_id: string; n: string }>(
    `SELECT tracking_id, count(*) AS n FROM staged WHERE influencer_id IS NULL GROUP BY 1 ORDER BY 1`,
  );
  const accuracy = await client.query<{ currency: string; pairs: string; est: string; conf: string }>(
    `WITH est AS (SELECT tracking_id, asin, currency, sum(${LINE_AMOUNT}) AS amount FROM staged
                   WHERE kind = 'pending' AND report_type IN ('orders', 'events') AND asin IS NOT NULL GROUP BY 1, 2, 3),
          conf AS (SELECT tracking_id, asin, currency, sum(amount_minor) AS amount FROM staged
                   WHERE kind IN ('confirmed', 'reversal') AND report_type = 'earnings' GROUP BY 1, 2, 3)
     SELECT est.currency, count(*) AS pairs, sum(est.amount) AS est, sum(conf.amount) AS conf
       FROM est JOIN conf ON conf.tracking_id = est.tracking_id AND conf.asin = est.asin AND conf.currency = est.currency GROUP BY 1 ORDER BY 1`,
  );
  return {
    unmappedCategories: unmapped.rows.map((r) => r.category),
    unmatchedLinkCodes: unmatchedLinks.rows.map((r) => r.link_code),
    unattributed: unattributed.rows,
    estimateAccuracy: accuracy.rows.map((r) => ({
      currency: r.currency,
      pairs: Number(r.pairs),
      estimatedMinor: Number(r.est),
      confirmedMinor: Number(r.conf),
      differenceMinor: Number(r.est) - Number(r.conf),
    })),
  };
}
