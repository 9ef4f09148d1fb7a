// `npm run bench:earnings`: how earnings and digest queries grow with the ledger, with the rollups in place.
//
// What it does, in order:
//  1. creates two throwaway databases, affiliate_bench_earnings_<timestamp> (BENCH_ROWS ledger lines) and
//     affiliate_bench_earnings_<timestamp>_base (BENCH_BASE_ROWS lines: the baseline), migrates both with
//     src/db/migrate.ts and fills them with set-based SQL (generate_series INSERTs, the ledger's secondary indexes
//     rebuilt after the fill): 3 organisations, 400 influencers, 700 registered tracking IDs (US in USD, some UK in
//     GBP) plus 40 nobody registered, skewed so a few sell most; 30,000 ASINs, each tracking ID selling from its own
//     catalogue of 3,000 (a few of them most); 2,100 links (15% of lines came through one); two
//     years of lines in time order: confirmed, pending orders, pending releases, reversals (some undoing a vanished
//     line), bounties;
//  2. brings the rollups up to date from nothing (the backfill an existing deployment runs once), timed;
//  3. times the queries people run, each BENCH_REPEAT times after a warm-up (median and p95): /earnings of the
//     biggest seller for 7d, 30d, ytd and all (New York time) and 30d in India time (+5:30, so every period edge
//     falls inside a UTC hour), /earnings of the biggest organisation for 30d and all, and the manager's digest of
//     that organisation (New York and India). Each is also run once on the ledger alone (no rollups) and must
//     give the same figures to the cent;
//  4. on the big database: an ingest-sized append (BENCH_APPEND_ROWS lines) in a transaction left open while a
//     refresh runs (the refresh must not move past its ids), committed, refreshed again (timed), and every query
//     compared with the ledger alone once more;
//  5. prints the table, the ratio 10M / baseline per query and PASS/FAIL per target; drops both databases on
//     every exit path (BENCH_KEEP_DB=1 keeps them and prints how to drop them).
// `tsx bench/earnings.ts --fill-only` fills and keeps one database of BENCH_ROWS lines without rolling it up (profiling).
// Env: BENCH_ROWS (10000000), BENCH_BASE_ROWS (100000), BENCH_REPEAT (15), BENCH_APPEND_ROWS (20000),
// BENCH_DATABASE_SERVER (postgres://postgres@127.0.0.1:5432), BENCH_KEEP_DB=1.
// Targets: each /earnings query's median under 100 ms and each digest's under 300 ms at BENCH_ROWS, and every median
// at most 3 times its baseline median. Exit code: 0 when every result matched the ledger; timings are printed, not
// asserted (a shared 2-core machine is too noisy for that).
import { cleanups, dropDatabase, intEnv, runBench, throwawayDatabase } from './support.ts';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { poolOf, type Db } from '../src/db/database.ts';
import { buildDigest } from '../src/domain/digest/digestReport.ts';
import { parsePeriod } from '../src/domain/earnings/period.ts';
import { refreshEarningsRollups } from '../src/domain/earnings/rollupRefresh.ts';
import { earningsSummary, type EarningsScope } from '../src/domain/earnings/summary.ts';

const ROWS = intEnv('BENCH_ROWS', 10_000_000);
const BASE_ROWS = intEnv('BENCH_BASE_ROWS', 100_000);
const REPEAT = intEnv('BENCH_REPEAT', 15);
const APPEND_ROWS = intEnv('BENCH_APPEND_ROWS', 20_000);
const PG_SERVER = (process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');
const KEEP_DB = process.env.BENCH_KEEP_DB === '1';

/** Median targets at BENCH_ROWS: /earnings answers a person in chat; the digest is a daily job with many more figures. */
const TARGET_EARNINGS_MS = 100;
const TARGET_DIGEST_MS = 300;
const TARGET_RATIO = 3;

const ORGS = 3;
const INFLUENCERS = 400;
const REGISTERED = 700;
const TRACKING_IDS = 740;
const ASINS = 30_000;
/** Products each tracking ID sells (a few of them most), out of ASINS; catalogues overlap. */
const CATALOGUE = 3000;
const LINKS_PER_TRACKING = 3;
const DAYS = 730;
const NY = 'America/New_York';
const INDIA = 'Asia/Kolkata';

// ---------------------------------------------------------------------------------------------------------------
// The data.

async function run(db: Db, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  return poolOf(db).query(text, params);
}

/** Organisations, influencers, tracking IDs, products and links; returns nothing (ids are dense from 1). */
async function fillPeople(db: Db): Promise<void> {
  await run(db, `INSERT INTO organisations (name) SELECT 'Bench org ' || g FROM generate_series(1, ${ORGS}) g`);
  // Influencer i belongs to organisation 1 (60%), 2 (30%) or 3 (10%) by i mod 10, so big sellers are spread.
  await run(
    db,
    `INSERT INTO influencers (organisation_id, handle, display_name)
                 SELECT CASE WHEN g % 10 < 6 THEN 1 WHEN g % 10 < 9 THEN 2 ELSE 3 END, 'bench' || g, 'Bench influencer ' || g
                   FROM generate_series(0, ${INFLUENCERS - 1}) g ORDER BY g`,
  );
  // Tracking index t: the lower, the more it sells. t < 700 belong to influencer (t mod 400); every 7th is a UK one.
  await run(
    db,
    `CREATE TABLE bench_trackings AS
                 SELECT t AS idx, 'bench' || t || CASE WHEN t % 7 = 3 THEN '-21' ELSE '-20' END AS tracking_id,
                        CASE WHEN t < ${REGISTERED} THEN (SELECT id FROM influencers WHERE handle = 'bench' || (t % ${INFLUENCERS})) END AS influencer_id,
                        CASE WHEN t % 7 = 3 THEN 'UK' ELSE 'US' END AS marketplace,
                        CASE WHEN t % 7 = 3 THEN 'GBP' ELSE 'USD' END AS currency
                   FROM generate_series(0, ${TRACKING_IDS - 1}) t`,
  );
  // Every line is an organisation's: its influencer's, and for unregistered tracking IDs one of the three by turn.
  await run(db, `ALTER TABLE bench_trackings ADD COLUMN organisation_id bigint`);
  await run(
    db,
    `UPDATE bench_trackings b SET organisation_id = coalesce((SELECT organisation_id FROM influencers WHERE id = b.influencer_id),
                                                                  (SELECT id FROM organisations ORDER BY id OFFSET b.idx % ${ORGS} LIMIT 1))`,
  );
  await run(
    db,
    `INSERT INTO tracking_ids (tracking_id, marketplace, influencer_id, is_default)
                 SELECT tracking_id, marketplace, influencer_id, idx < ${INFLUENCERS} FROM bench_trackings WHERE influencer_id IS NOT NULL ORDER BY idx`,
  );
  await run(
    db,
    `INSERT INTO products (marketplace, asin, title) SELECT 'US', 'B0' || lpad(g::text, 8, '0'), 'Bench product ' || g FROM generate_series(0, ${ASINS - 1}) g`,
  );
  // Link (t, k) points at product t*3 + k, so link ids are t*3 + k + 1.
  await run(
    db,
    `INSERT INTO links (code, influencer_id, product_id, tracking_id_id, destination_url)
                 SELECT 'bl' || (b.idx * ${LINKS_PER_TRACKING} + k), b.influencer_id, p.id, ti.id, 'https://www.amazon.com/dp/' || p.asin || '?tag=' || b.tracking_id
                   FROM bench_trackings b, generate_series(0, ${LINKS_PER_TRACKING - 1}) k, products p, tracking_ids ti
                  WHERE b.influencer_id IS NOT NULL AND p.asin = 'B0' || lpad((b.idx * ${LINKS_PER_TRACKING} + k)::text, 8, '0') AND ti.tracking_id = b.tracking_id
                  ORDER BY b.idx, k`,
  );
}

/**
 * Ledger lines g in [first, last], spread in time order over [start, end). Kinds: 55% confirmed, 27% pending orders,
 * 8% pending releases (negative, undoing an earlier line), 7% reversals (a quarter undoing a vanished line), 3% bounties.
 * 15% of lines came through one of their tracking ID's links (and are for that link's product).
 */
function ledgerInsert(first: number, last: number, origin: number, total: number, start: Date, end: Date): string {
  const span = (end.getTime() - start.getTime()) / 1000;
  return `
    INSERT INTO ledger_entries (organisation_id, network, line_key, kind, report_type, tracking_id, influencer_id, marketplace, asin, product_name, category,
                                occurred_at, quantity, revenue_minor, amount_minor, currency, link_id, reverses_entry_id, created_at)
    SELECT tr.organisation_id, 'amazon', 'bench:' || x.g || ':' || x.tag, k.kind, k.report_type, tr.tracking_id, tr.influencer_id, tr.marketplace,
           CASE WHEN k.kind = 'bounty' THEN NULL ELSE 'B0' || lpad(x.product::text, 8, '0') END,
           CASE WHEN k.kind = 'bounty' THEN 'Bounty' ELSE 'Bench product ' || x.product END,
           'Home', x.at, k.sign * CASE WHEN k.kind IN ('bounty', 'reversal') THEN 1 ELSE x.qty END,
           k.sign * CASE WHEN k.kind = 'bounty' THEN 0 ELSE x.revenue END,
           k.sign * CASE WHEN k.kind = 'bounty' THEN 300 + (x.revenue % 2200) ELSE round(x.revenue * 0.04)::bigint END,
           tr.currency, CASE WHEN k.kind <> 'bounty' THEN x.link END, CASE WHEN k.undoes THEN greatest(1, x.g - 1 - (x.revenue % 5000)) END,
           least(x.at + interval '1 day' + (x.revenue % 172800) * interval '1 second', now())
      FROM (SELECT r0.*, md5(r0.g::text) AS tag, random() AS kr, random() AS lr,
                   (r0.t * 997 + floor(${CATALOGUE} * power(random(), 3))::int) % ${ASINS} AS a, floor(random() * ${LINKS_PER_TRACKING})::int AS lk,
                   1 + floor(random() * 3)::int AS qty, 500 + floor(random() * 19500)::bigint AS revenue,
                   to_timestamp(${start.getTime() / 1000} + ((r0.g - ${origin}) + random()) * ${span / total}) AS at
              FROM (SELECT g, floor(${TRACKING_IDS} * power(random(), 4))::int AS t FROM generate_series(${first}, ${last}) g) r0) r
     CROSS JOIN LATERAL (SELECT r.*, CASE WHEN r.lr < 0.15 AND r.t < ${REGISTERED} THEN r.t * ${LINKS_PER_TRACKING} + r.lk + 1 END AS link,
                                CASE WHEN r.lr < 0.15 AND r.t < ${REGISTERED} THEN r.t * ${LINKS_PER_TRACKING} + r.lk ELSE r.a END AS product) x
     CROSS JOIN LATERAL (SELECT CASE WHEN x.kr < 0.55 THEN 'confirmed' WHEN x.kr < 0.90 THEN 'pending' WHEN x.kr < 0.97 THEN 'reversal' ELSE 'bounty' END AS kind,
                                CASE WHEN x.kr < 0.55 THEN 'earnings' WHEN x.kr < 0.82 THEN 'orders' WHEN x.kr < 0.90 THEN 'release' WHEN x.kr < 0.97 THEN 'earnings' ELSE 'bounty' END AS report_type,
                                CASE WHEN x.kr >= 0.82 AND x.kr < 0.97 THEN -1 ELSE 1 END AS sign,
                                (x.kr >= 0.82 AND x.kr < 0.90) OR (x.kr >= 0.9525 AND x.kr < 0.97) AS undoes) k
      JOIN bench_trackings tr ON tr.idx = x.t
     ORDER BY x.g`;
}

async function fillLedger(db: Db, rows: number, now: Date, label: string): Promise<number> {
  const started = performance.now();
  const start = new Date(now.getTime() - DAYS * 86_400_000);
  const end = new Date(now.getTime() - 3_600_000);
  // Secondary indexes are rebuilt after the fill (much faster than maintaining them row by row), whatever they are.
  const indexes = await run(
    db,
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def, c.conname
                                   FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('p', 'u')
                                  WHERE i.indrelid = 'ledger_entries'::regclass AND NOT i.indisprimary`,
  );
  for (const ix of indexes.rows as Array<{ name: string; conname: string | null }>) {
    await run(db, ix.conname ? `ALTER TABLE ledger_entries DROP CONSTRAINT ${pg.escapeIdentifier(ix.conname)}` : `DROP INDEX ${ix.name}`);
  }
  const client = await poolOf(db).connect();
  try {
    // Foreign-key triggers off for the fill (superuser only; the references are right by construction).
    await client.query(`SET session_replication_role = replica`).catch(() => undefined);
    await client.query(`SET work_mem = '256MB'`);
    const batch = 1_000_000;
    for (let first = 1; first <= rows; first += batch) {
      const last = Math.min(rows, first + batch - 1);
      await client.query(ledgerInsert(first, last, 1, rows, start, end));
      if (rows > batch) process.stdout.write(`\r  ${label}: ${last.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} lines`);
    }
    if (rows > batch) process.stdout.write('\n');
    await client.query(`RESET session_replication_role`).catch(() => undefined);
    await client.query(`SET maintenance_work_mem = '512MB'`);
    for (const ix of indexes.rows as Array<{ name: string; def: string; conname: string | null }>) {
      await client
        .query(
          ix.conname
            ? `ALTER TABLE ledger_entries ADD CONSTRAINT ${pg.escapeIdentifier(ix.conname)} UNIQUE USING INDEX ${pg.escapeIdentifier(ix.name.replace(/^.*\./, ''))}`
            : ix.def,
        )
        .catch(async () => {
          // A unique constraint comes back as its index first, then the constraint on it.
          await client.query(ix.def);
          if (ix.conname)
            await client.query(
              `ALTER TABLE ledger_entries ADD CONSTRAINT ${pg.escapeIdentifier(ix.conname)} UNIQUE USING INDEX ${pg.escapeIdentifier(ix.name.replace(/^.*\./, ''))}`,
            );
        });
    }
    await client.query(`VACUUM ANALYZE ledger_entries`);
    await client.query(`ANALYZE`);
  } finally {
    client.release();
  }
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------------------------
// The queries.

interface Query {
  name: string;
  targetMs: number;
  run: (db: Db, rollups: boolean) => Promise<unknown>;
}

async function queriesFor(db: Db, now: Date): Promise<Query[]> {
  // The biggest seller: the owner of tracking index 0; the biggest organisation: the one with most lines.
  const top = await run(db, `SELECT influencer_id FROM bench_trackings WHERE idx = 0`);
  const influencerId = Number(top.rows[0].influencer_id);
  const org = await run(
    db,
    `SELECT organisation_id FROM earnings_rollups WHERE organisation_id IS NOT NULL AND grain = 'all' GROUP BY 1 ORDER BY sum(lines) DESC LIMIT 1`,
  );
  const organisationId = Number(org.rows[0]?.organisation_id ?? 1);
  const earnings = (name: string, scope: EarningsScope, period: string, tz = NY): Query => ({
    name,
    targetMs: TARGET_EARNINGS_MS,
    run: (d, rollups) => earningsSummary(d, scope, parsePeriod(period, tz, now), 5, { rollups }),
  });
  const me = { influencerId };
  const team = { organisationId };
  return [
    earnings('influencer 7d', me, '7d'),
    earnings('influencer 30d', me, '30d'),
    earnings('influencer ytd', me, 'ytd'),
    earnings('influencer all', me, 'all'),
    earnings('influencer 30d (India, +5:30)', me, '30d', INDIA),
    earnings('organisation 30d', team, '30d'),
    earnings('organisation all', team, 'all'),
    {
      name: 'digest (organisation, New York)',
      targetMs: TARGET_DIGEST_MS,
      run: (d, rollups) => buildDigest(d, organisationId, { timezone: NY, now, rollups }),
    },
    {
      name: 'digest (organisation, India)',
      targetMs: TARGET_DIGEST_MS,
      run: (d, rollups) => buildDigest(d, organisationId, { timezone: INDIA, now, rollups }),
    },
  ];
}

interface Timing {
  median: number;
  p95: number;
  ledgerOnly: number;
  matches: boolean;
}

/** The first path at which two values differ, for a readable mismatch report. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !(a instanceof Date)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 300)} vs ${JSON.stringify(b)?.slice(0, 300)}`;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function timeQueries(db: Db, queries: Query[], label: string): Promise<Map<string, Timing>> {
  const out = new Map<string, Timing>();
  for (const q of queries) {
    const started = performance.now();
    const expected = await q.run(db, false);
    const ledgerOnly = performance.now() - started;
    const got = await q.run(db, true);
    const times: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t0 = performance.now();
      await q.run(db, true);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const matches = isDeepStrictEqual(got, expected);
    if (!matches) console.error(`  ${label} ${q.name}: rollups and ledger differ at ${firstDifference(got, expected)}`);
    out.set(q.name, { median: percentile(times, 50), p95: percentile(times, 95), ledgerOnly, matches });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

interface Prepared {
  db: Db;
  rows: number;
  fillSeconds: number;
  refreshSeconds: number;
  refreshedLines: number;
  sizes: { ledger: number; rollups: number; productRollups: number; rollupRows: number; productRollupRows: number };
}

async function prepare(dbName: string, rows: number, now: Date, label: string, fillOnly = false): Promise<Prepared> {
  const db = await throwawayDatabase(PG_SERVER, dbName, { poolSize: 4, keep: KEEP_DB });
  await fillPeople(db);
  const fillSeconds = await fillLedger(db, rows, now, label);
  if (fillOnly) {
    console.log(`${label}: ${rows.toLocaleString('en-US')} lines filled in ${fillSeconds.toFixed(1)} s, not rolled up (--fill-only)`);
    return {
      db,
      rows,
      fillSeconds,
      refreshSeconds: 0,
      refreshedLines: 0,
      sizes: { ledger: 0, rollups: 0, productRollups: 0, rollupRows: 0, productRollupRows: 0 },
    };
  }
  const t0 = performance.now();
  const r = await refreshEarningsRollups(db);
  const refreshSeconds = (performance.now() - t0) / 1000;
  await run(db, 'VACUUM ANALYZE earnings_rollups');
  await run(db, 'VACUUM ANALYZE earnings_product_rollups');
  const size = await run(
    db,
    `SELECT pg_total_relation_size('ledger_entries') AS ledger, pg_total_relation_size('earnings_rollups') AS rollups,
                                     pg_total_relation_size('earnings_product_rollups') AS product_rollups,
                                     (SELECT count(*) FROM earnings_rollups) AS rollup_rows, (SELECT count(*) FROM earnings_product_rollups) AS product_rollup_rows`,
  );
  const z = size.rows[0] as Record<string, string>;
  return {
    db,
    rows,
    fillSeconds,
    refreshSeconds,
    refreshedLines: r.lines,
    sizes: {
      ledger: Number(z.ledger),
      rollups: Number(z.rollups),
      productRollups: Number(z.product_rollups),
      rollupRows: Number(z.rollup_rows),
      productRollupRows: Number(z.product_rollup_rows),
    },
  };
}

async function allMatch(db: Db, queries: Query[]): Promise<string[]> {
  const bad: string[] = [];
  for (const q of queries) if (!isDeepStrictEqual(await q.run(db, true), await q.run(db, false))) bad.push(q.name);
  return bad;
}

async function main(): Promise<number> {
  const stamp = `${Date.now()}`;
  const bigName = `affiliate_bench_earnings_${stamp}`;
  const baseName = `${bigName}_base`;
  const now = new Date();
  const fmt = (n: number) => n.toLocaleString('en-US');
  console.log(
    `earnings bench: ${fmt(ROWS)} ledger lines against a baseline of ${fmt(BASE_ROWS)}; databases ${bigName} and ${baseName}; ${REPEAT} runs per query`,
  );

  const checks: Array<[string, boolean, string]> = [];
  const base = await prepare(baseName, BASE_ROWS, now, 'baseline');
  const baseQueries = await queriesFor(base.db, now);
  console.log(`baseline: ${fmt(BASE_ROWS)} lines filled in ${base.fillSeconds.toFixed(1)} s, rolled up in ${base.refreshSeconds.toFixed(2)} s`);
  const baseTimes = await timeQueries(base.db, baseQueries, 'baseline');
  await base.db.destroy();
  if (!KEEP_DB) await dropDatabase(PG_SERVER, baseName).catch(() => undefined);

  const big = await prepare(bigName, ROWS, now, 'ledger');
  console.log(
    `ledger: ${fmt(ROWS)} lines filled in ${big.fillSeconds.toFixed(1)} s, rolled up from nothing in ${big.refreshSeconds.toFixed(1)} s (${fmt(Math.round(big.refreshedLines / big.refreshSeconds))} lines/s)`,
  );
  const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
  console.log(
    `sizes: ledger_entries ${mb(big.sizes.ledger)}, earnings_rollups ${mb(big.sizes.rollups)} (${fmt(big.sizes.rollupRows)} rows), earnings_product_rollups ${mb(big.sizes.productRollups)} (${fmt(big.sizes.productRollupRows)} rows)`,
  );
  checks.push(['the backfill rolled up every line', big.refreshedLines === ROWS, `${fmt(big.refreshedLines)} of ${fmt(ROWS)}`]);
  const queries = await queriesFor(big.db, now);
  const times = await timeQueries(big.db, queries, 'ledger');

  // An ingest-sized append, its transaction open while a refresh runs, then committed and refreshed.
  const client = await poolOf(big.db).connect();
  let appendRefresh = { seconds: 0, lines: 0 };
  try {
    const seqBefore = Number((await client.query(`SELECT last_value FROM ledger_entries_id_seq`)).rows[0].last_value);
    await client.query('BEGIN');
    await client.query(
      ledgerInsert(ROWS + 1, ROWS + APPEND_ROWS, ROWS + 1, APPEND_ROWS, new Date(now.getTime() - 3 * 86_400_000), new Date(now.getTime() - 3_600_000)),
    );
    const during = await refreshEarningsRollups(big.db);
    checks.push([
      'a refresh during an open ingest stops below its ids',
      during.horizon <= seqBefore && during.waitingFor >= 1,
      `horizon ${fmt(during.horizon)} ≤ ${fmt(seqBefore)}, waiting for ${during.waitingFor} transaction(s)`,
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  const tailBad = await allMatch(big.db, queries);
  checks.push([
    'with the committed append still above the horizon, every query equals the ledger',
    tailBad.length === 0,
    tailBad.join(', ') || `${fmt(APPEND_ROWS)} lines read from the ledger`,
  ]);
  const t0 = performance.now();
  const after = await refreshEarningsRollups(big.db);
  appendRefresh = { seconds: (performance.now() - t0) / 1000, lines: after.lines };
  checks.push([
    'the next refresh rolls the append up',
    after.lines === APPEND_ROWS && after.waitingFor === 0,
    `${fmt(after.lines)} lines in ${appendRefresh.seconds.toFixed(2)} s`,
  ]);
  const afterBad = await allMatch(big.db, queries);
  checks.push(['after it, every query equals the ledger', afterBad.length === 0, afterBad.join(', ') || 'to the cent']);

  // The table.
  const ms = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));
  const col = (s: string, w: number) => s.padStart(w);
  console.log('');
  console.log(`${'query'.padEnd(34)}${col(`${fmt(BASE_ROWS)} med/p95`, 18)}${col(`${fmt(ROWS)} med/p95`, 20)}${col('ratio', 8)}${col('ledger only', 13)}`);
  let allFast = true;
  let allFlat = true;
  for (const q of queries) {
    const b = baseTimes.get(q.name)!;
    const t = times.get(q.name)!;
    const ratio = t.median / b.median;
    allFast &&= t.median < q.targetMs;
    allFlat &&= ratio <= TARGET_RATIO;
    checks.push([`${q.name}: rollups equal the ledger`, b.matches && t.matches, b.matches && t.matches ? 'to the cent' : 'DIFFERENT']);
    console.log(
      `${q.name.padEnd(34)}${col(`${ms(b.median)} / ${ms(b.p95)} ms`, 18)}${col(`${ms(t.median)} / ${ms(t.p95)} ms`, 20)}${col(`${ratio.toFixed(2)}×`, 8)}${col(`${ms(t.ledgerOnly)} ms`, 13)}`,
    );
  }
  console.log(
    `ledger only: the same query once on ${fmt(ROWS)} lines without the rollups (what it cost before). Append of ${fmt(APPEND_ROWS)} lines rolled up in ${appendRefresh.seconds.toFixed(2)} s.`,
  );
  console.log('');
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  for (const q of queries) {
    const t = times.get(q.name)!;
    console.log(`${verdict(t.median < q.targetMs)}  ${q.name}: median ${ms(t.median)} ms at ${fmt(ROWS)} lines (target < ${q.targetMs} ms)`);
  }
  for (const q of queries) {
    const ratio = times.get(q.name)!.median / baseTimes.get(q.name)!.median;
    console.log(`${verdict(ratio <= TARGET_RATIO)}  ${q.name}: ${ratio.toFixed(2)}× its median at ${fmt(BASE_ROWS)} lines (target ≤ ${TARGET_RATIO}×)`);
  }
  console.log(
    `${verdict(allFast)}  every query under its median target at ${fmt(ROWS)} lines (/earnings ${TARGET_EARNINGS_MS} ms, digest ${TARGET_DIGEST_MS} ms)`,
  );
  console.log(`${verdict(allFlat)}  every query's median at most ${TARGET_RATIO}× its median at ${fmt(BASE_ROWS)} lines`);
  for (const [what, ok, detail] of checks) console.log(`${verdict(ok)}  ${what}: ${detail}`);
  return checks.every(([, ok]) => ok) ? 0 : 1;
}

await runBench(async () => {
  if (process.argv.includes('--fill-only')) {
    // Profiling aid: fill one database with BENCH_ROWS lines, migrated but not rolled up, and keep it.
    const name = `affiliate_bench_earnings_${Date.now()}_fill`;
    await prepare(name, ROWS, new Date(), 'ledger', true);
    cleanups.length = 0;
    console.log(`kept database ${name}: DROP DATABASE ${name} WITH (FORCE) when done`);
    return 0;
  }
  return main();
});
