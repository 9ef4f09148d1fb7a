// `npm run bench:ingest`: end-to-end throughput and memory of report ingestion, against a bare COPY of the same file.
//
// What it does, in order:
//  1. creates a throwaway database (affiliate_bench_ingest_<timestamp>) and migrates it; picks a unique QUEUE_PREFIX
//     so no other worker on the machine takes the bench's jobs; registers most of the file's tracking IDs;
//  2. writes a Fee-Earnings CSV (title line, header, BENCH_ROWS rows: a few hundred tracking IDs, realistic
//     categories, prices and dates inside the title's window, quoted names with commas and quotes, ~5% return rows),
//     summing its Ad Fees exactly in integer cents on the way;
//  3. COPYs the same file's rows (title and header skipped) into a bare table of text columns from this process,
//     streamed with pg-copy-streams: the ceiling a report ingest is measured against;
//  4. ingests the file through the CLI (`node --import tsx src/cli/main.ts ingest <file> --network amazon`, which
//     stores the file, queues the job on BullMQ and runs it in its own worker) in a child process, timed from spawn
//     to exit (the ledger is committed when the CLI returns) with its peak RSS from the OS (GNU time's %M, or
//     /proc/<pid>/status VmHWM sampled until exit when /usr/bin/time is missing);
//  5. ingests the same file again the same way (every line is found unchanged);
//  6. unless BENCH_REISSUE=0, ingests the report re-issued with one more line: what a pass over a million
//     already-known lines plus one new one costs (informational, no target);
//  7. checks the ledger: the earnings report's confirmed + reversal sum equals the file's Ad Fees to the cent (plus
//     the added line after the re-issue), the counts are right for every run, and the re-ingest added nothing;
//     prints the table and PASS/FAIL per target;
//  8. drops the database (WITH (FORCE)), deletes the prefix's Redis keys, the temp dir and any live child on every
//     exit path.
//
// `tsx bench/ingest.ts --write <file>` only writes the report file (for profiling against a kept database).
// Env: BENCH_ROWS (1000000), BENCH_DATABASE_SERVER (postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL (REDIS_URL or
// redis://127.0.0.1:6379), BENCH_REISSUE (1), BENCH_RUN_TIMEOUT_S (1800, per CLI run), BENCH_KEEP_DB=1 to keep the
// database for EXPLAIN ANALYZE afterwards (it is printed).
// Exit code: 0 when the run completed and the ledger is correct; 1 otherwise. Throughput and memory targets are
// printed as PASS/FAIL but not asserted: a shared 2-core machine is too noisy for that.
import { children, cleanups, intEnv, killChildren, productionSecrets, removeRedisPrefixOnExit, runBench, throwawayDatabase } from './support.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { appendFile, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import copyStreams from 'pg-copy-streams';
import { poolOf, type Db } from '../src/db/database.ts';
import { createInfluencer } from '../src/domain/organisations/influencers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const ROWS = intEnv('BENCH_ROWS', 1_000_000);
const PG_SERVER = (process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEEP_DB = process.env.BENCH_KEEP_DB === '1';
const REISSUE = process.env.BENCH_REISSUE !== '0';
const RUN_TIMEOUT_S = intEnv('BENCH_RUN_TIMEOUT_S', 1800);
const GNU_TIME = '/usr/bin/time';

const TARGET_COPY_RATIO = 0.25;
/** The ingest's steps in the order they run (its summary is stored as jsonb, which reorders keys). */
const STEPS = ['read', 'rates', 'keys', 'insert', 'windows', 'release', 'summary'];
const TARGET_RSS_MB = 300;
const TARGET_REINGEST_RATIO = 1.0;

// ---------------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------------
// The report file.

/** Deterministic PRNG (mulberry32), so every run writes the same file. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Report category names as Amazon writes them, with the US rate (basis points) of the rate category they map to.
const CATEGORIES: Array<[string, number, number]> = [
  // [report category, rate bp, weight]
  ['Home & Kitchen', 300, 14],
  ['Kitchen & Dining', 450, 10],
  ['Grocery & Gourmet Food', 100, 9],
  ['Health & Household', 100, 9],
  ['Beauty & Personal Care', 300, 8],
  ['Electronics', 400, 7],
  ['Clothing, Shoes & Jewelry', 400, 7],
  ['Toys & Games', 300, 6],
  ['Sports & Outdoors', 300, 5],
  ['Tools & Home Improvement', 300, 5],
  ['Pet Supplies', 300, 4],
  ['Books', 450, 4],
  ['Cell Phones & Accessories', 400, 3],
  ['Computers & Accessories', 250, 3],
  ['Video Games', 100, 2],
  ['Patio, Lawn & Garden', 300, 2],
  ['Baby', 300, 2],
];
const NOUNS = [
  'Water Bottle',
  'Chef Knife',
  'Yoga Mat',
  'Desk Lamp',
  'Phone Case',
  'Coffee Grinder',
  'Dog Leash',
  'Face Serum',
  'Protein Bar',
  'Backpack',
  'Headlamp',
  'Cutting Board',
  'USB-C Cable',
  'Notebook',
  'Throw Blanket',
  'Skillet',
];
const ADJECTIVES = ['Stainless Steel', 'Organic', 'Ultra-Light', 'Bamboo', 'Wireless', 'Non-Stick', 'Waterproof', 'Ergonomic', 'Compact', 'Premium'];
const DEVICES = ['DESKTOP', 'PHONE', 'TABLET', 'UNKNOWN'];
const SELLERS = ['Amazon.com', 'Amazon.com', 'Amazon.com', 'Amazon.com', 'Third Party'];
const TAG_NAMES = ['cozy', 'dailydeals', 'fitfam', 'homechef', 'techtalk', 'petpals', 'glow', 'trailhead', 'bookworm', 'gadgetguy', 'minimal', 'thrifty'];

const WINDOW = { start: '2021-03-01', end: '2021-03-31' };
const TITLE = 'Fee-Earnings reports from 03-01-2021 to 03-31-2021';
const HEADER = 'Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price($),Items Shipped,Returns,Revenue($),Ad Fees($),Device Type Group';
const TRACKING_IDS = Array.from({ length: 320 }, (_, i) => `${TAG_NAMES[i % TAG_NAMES.length]}${String(i).padStart(3, '0')}-20`);

/** The line a re-issued report adds (inside the window, an existing tracking ID): 4% of 12.34 is 0.49. */
const EXTRA_ROW = {
  line: 'Electronics,"Bench extra line, 1 Pack",B0BENCHXTR,Amazon.com,cozy000-20,2021-03-31 23:59:59,12.34,1,0,12.34,0.49,DESKTOP',
  feeMinor: 49,
};

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const money = (cents: number) => `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

interface Generated {
  bytes: number;
  adFeesMinor: number;
  returnRows: number;
}

async function generate(file: string, rows: number): Promise<Generated> {
  const rand = rng(20210301);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const totalWeight = CATEGORIES.reduce((n, c) => n + c[2], 0);
  const pickCategory = () => {
    let r = rand() * totalWeight;
    for (const c of CATEGORIES) if ((r -= c[2]) < 0) return c;
    return CATEGORIES[0]!;
  };
  // A catalogue of products: each ASIN has one category, name and price, as in a real report.
  const products = Array.from({ length: 25_000 }, (_, i) => {
    const [category, rateBp] = pickCategory();
    const noun = pick(NOUNS);
    const adj = pick(ADJECTIVES);
    // About a third of the names need quoting: commas, and now and then a doubled quote.
    const shape = i % 9;
    const name =
      shape < 5 ? `${adj} ${noun} ${1 + (i % 40)} Pack` : shape < 8 ? `${adj} ${noun}, ${8 + (i % 24)} oz, Assorted Colors` : `${noun} "Pro" Edition, ${adj}`;
    const asin = `B0${(0x10000000 + i * 7919).toString(36).toUpperCase().padStart(8, '0').slice(-8)}`;
    const priceCents = 299 + Math.floor(rand() * rand() * 20_000);
    return { categoryCell: csvCell(category), rateBp, nameCell: csvCell(name), asin, priceCents };
  });
  // Tracking IDs are not equally busy: a few creators sell most.
  const tagFor = () => TRACKING_IDS[Math.floor(Math.pow(rand(), 2) * TRACKING_IDS.length)]!;
  const startMs = Date.parse(`${WINDOW.start}T00:00:00Z`);
  const spanSec = 31 * 86_400;

  const out = createWriteStream(file);
  let adFeesMinor = 0;
  let returnRows = 0;
  let buf = `${TITLE}\n${HEADER}\n`;
  for (let i = 0; i < rows; i++) {
    const p = products[Math.floor(Math.pow(rand(), 1.5) * products.length)]!;
    const when = new Date(startMs + Math.floor(rand() * spanSec) * 1000).toISOString();
    const date = `${when.slice(0, 10)} ${when.slice(11, 19)}`;
    const isReturn = rand() < 0.05;
    const qty = isReturn ? 0 : rand() < 0.9 ? 1 : 2 + Math.floor(rand() * 3);
    const revenue = isReturn ? -p.priceCents : p.priceCents * qty;
    const fee = Math.sign(revenue) * Math.round((Math.abs(revenue) * p.rateBp) / 10_000);
    adFeesMinor += fee;
    if (isReturn) returnRows++;
    buf += `${p.categoryCell},${p.nameCell},${p.asin},${pick(SELLERS)},${tagFor()},${date},${money(p.priceCents)},${qty},${isReturn ? 1 : 0},${money(revenue)},${money(fee)},${pick(DEVICES)}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return { bytes: statSync(file).size, adFeesMinor, returnRows };
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements.

/** Drops everything up to and including the n-th newline: the title and header lines. */
function skipLines(n: number): Transform {
  let left = n;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left === 0) return done(null, chunk);
      let at = 0;
      while (left > 0) {
        const nl = chunk.indexOf(0x0a, at);
        if (nl === -1) return done();
        at = nl + 1;
        left--;
      }
      done(null, at < chunk.length ? chunk.subarray(at) : undefined);
    },
  });
}

async function copyBare(db: Db, file: string): Promise<{ rows: number; seconds: number }> {
  const columns = HEADER.split(',')
    .map((_, i) => `c${i + 1} text`)
    .join(', ');
  await sql.raw(`CREATE TABLE bare_copy (${columns})`).execute(db);
  const client = await poolOf(db).connect();
  try {
    const start = performance.now();
    const copy = client.query(copyStreams.from('COPY bare_copy FROM STDIN WITH (FORMAT csv, HEADER false)'));
    await pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), skipLines(2), copy);
    const seconds = (performance.now() - start) / 1000;
    return { rows: Number(copy.rowCount), seconds };
  } finally {
    client.release();
  }
}

interface CliRun {
  seconds: number;
  peakRssMb: number | null;
  rssSource: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

function readVmHwmKb(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function runCliIngest(file: string, env: Record<string, string>, tmp: string, label: string): Promise<CliRun> {
  const nodeArgs = ['--import', 'tsx', 'src/cli/main.ts', 'ingest', file, '--network', 'amazon', '--json'];
  const useTime = existsSync(GNU_TIME);
  const rssFile = path.join(tmp, `${label}.maxrss`);
  const [cmd, args] = useTime ? [GNU_TIME, ['-o', rssFile, '-f', '%M', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const start = performance.now();
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  // Without GNU time: node is the child itself; VmHWM only grows, so the last sample before exit is the peak.
  let sampledKb: number | null = null;
  const sampler = useTime ? null : setInterval(() => (sampledKb = Math.max(sampledKb ?? 0, readVmHwmKb(child.pid!) ?? 0)), 25);
  // The CLI waits for Redis and Postgres as long as it takes; a run that hangs is stopped and reported as broken.
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    killChildren('SIGKILL');
  }, RUN_TIMEOUT_S * 1000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(deadline);
  const seconds = (performance.now() - start) / 1000;
  if (sampler) clearInterval(sampler);
  if (timedOut) stderr += `\n(stopped after BENCH_RUN_TIMEOUT_S=${RUN_TIMEOUT_S} s)`;
  children.delete(child);
  let peakKb: number | null = sampledKb;
  if (useTime) {
    const m = existsSync(rssFile) ? /(\d+)\s*$/.exec(readFileSync(rssFile, 'utf8')) : null;
    peakKb = m ? Number(m[1]) : null;
  }
  return {
    seconds,
    peakRssMb: peakKb === null ? null : peakKb / 1024,
    rssSource: useTime ? 'GNU time %M (max RSS)' : '/proc VmHWM, sampled every 25 ms',
    exitCode: code,
    stdout,
    stderr,
  };
}

interface IngestDoc {
  ingestId: string;
  status: string;
  error: string | null;
  counts: { rows: number; accepted: number; unchanged: number; reversed: number; rejected: number; unattributed: number };
  startedAt: string | null;
  finishedAt: string | null;
  summary: { stepsMs?: Record<string, number> } | null;
}

function parseIngestDoc(run: CliRun, label: string): IngestDoc {
  try {
    // --json prints the status document (pretty-printed) last; anything before it would be logs.
    const at = run.stdout.indexOf('{\n');
    return JSON.parse(run.stdout.slice(at === -1 ? 0 : at)) as IngestDoc;
  } catch {
    throw new Error(
      `${label}: the CLI exited ${run.exitCode} without a status document.\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-4000)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const stamp = `${Date.now()}`;
  const dbName = `affiliate_bench_ingest_${stamp}`;
  const databaseUrl = `${PG_SERVER}/${dbName}`;
  const prefix = `bench_ingest_${stamp}_${process.pid}`;
  console.log(`ingest bench: ${ROWS.toLocaleString('en-US')} Fee-Earnings rows; database ${dbName}, queue prefix ${prefix}`);

  const tmp = await mkdtemp(path.join(tmpdir(), 'bench-ingest-'));
  cleanups.push({ what: `remove ${tmp}`, run: () => rm(tmp, { recursive: true, force: true }) });
  removeRedisPrefixOnExit(REDIS_URL, prefix);

  // The CLI would wait for an unreachable Redis forever: find out now.
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new Error(`Redis at ${REDIS_URL} is not reachable (${(err as Error).message}); set BENCH_REDIS_URL`);
  } finally {
    probe.disconnect();
  }

  const db = await throwawayDatabase(PG_SERVER, dbName, { keep: KEEP_DB });

  // Most tracking IDs belong to someone; the rest stay unattributed, as in real accounts.
  const registered = TRACKING_IDS.filter((_, i) => i % 8 !== 7);
  for (const [i, trackingId] of registered.entries()) {
    await createInfluencer(db, { handle: `bench${i}`, displayName: `Bench ${i}`, trackingId });
  }

  const file = path.join(tmp, `fee-earnings-${ROWS}.csv`);
  let t = performance.now();
  const gen = await generate(file, ROWS);
  console.log(
    `generated ${file}: ${(gen.bytes / 1e6).toFixed(0)} MB, ${gen.returnRows} return rows, Ad Fees ${money(gen.adFeesMinor)} USD, in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  t = performance.now();
  const copy = await copyBare(db, file);
  console.log(`COPY into a bare table: ${copy.rows} rows in ${copy.seconds.toFixed(2)} s`);
  if (copy.rows !== ROWS) throw new Error(`COPY loaded ${copy.rows} rows, expected ${ROWS}`);
  await sql`DROP TABLE bare_copy`.execute(db);

  const childEnv = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    FEED_STORAGE_DIR: path.join(tmp, 'storage'),
    FEED_MAX_BYTES: String(Math.max(gen.bytes * 2, 200 * 1024 * 1024)),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...productionSecrets(),
  };
  const runs: Array<{ label: string; rows: number; run: CliRun; doc: IngestDoc }> = [];
  async function ingestRun(label: string, reportFile: string, rows: number) {
    const run = await runCliIngest(reportFile, childEnv, tmp, label.replace(/\W+/g, '-'));
    const doc = parseIngestDoc(run, label);
    const worker = doc.startedAt && doc.finishedAt ? (Date.parse(doc.finishedAt) - Date.parse(doc.startedAt)) / 1000 : NaN;
    console.log(
      `${label}: CLI exited ${run.exitCode} after ${run.seconds.toFixed(2)} s (worker ${worker.toFixed(2)} s), status ${doc.status}${doc.error ? ` (${doc.error})` : ''}, counts ${JSON.stringify(doc.counts)}`,
    );
    if (run.stderr.trim()) console.log(run.stderr.trimEnd().replace(/^/gm, `  ${label} stderr: `));
    // Where the worker spent the time, step by step (the ingest records it in its summary).
    const steps = doc.summary?.stepsMs;
    if (steps)
      console.log(
        `  ${label} steps: ${STEPS.filter((k) => k in steps)
          .map((k) => `${k} ${(steps[k]! / 1000).toFixed(2)} s`)
          .join(' · ')}`,
      );
    const entry = { label, rows, run, doc };
    runs.push(entry);
    return entry;
  }
  // Correctness: the ledger holds exactly the file's Ad Fees, and each run's counts say what happened.
  const ledgerNow = () =>
    db
      .selectFrom('ledger_entries')
      .select([
        sql<number>`coalesce(sum(amount_minor), 0)::bigint`.as('amount'),
        sql<number>`count(*)::bigint`.as('entries'),
        sql<number>`count(*) filter (where kind = 'reversal')::bigint`.as('reversals'),
      ])
      .where('network', '=', 'amazon')
      .where('report_type', '=', 'earnings')
      .where('kind', 'in', ['confirmed', 'reversal'])
      .executeTakeFirstOrThrow();

  const first = await ingestRun('first ingest', file, ROWS);
  const again = await ingestRun('re-ingest', file, ROWS);
  const ledger = await ledgerNow();
  const checks: Array<[string, boolean, string]> = [
    ['ledger confirmed+reversal = file Ad Fees', Number(ledger.amount) === gen.adFeesMinor, `${money(Number(ledger.amount))} vs ${money(gen.adFeesMinor)} USD`],
    ['ledger lines = file rows', Number(ledger.entries) === ROWS, `${ledger.entries} vs ${ROWS}`],
    ['ledger reversals = return rows', Number(ledger.reversals) === gen.returnRows, `${ledger.reversals} vs ${gen.returnRows}`],
    [
      'first ingest succeeded, every row accepted',
      first.doc.status === 'succeeded' && first.doc.counts.accepted === ROWS && first.doc.counts.rejected === 0 && first.doc.counts.reversed === gen.returnRows,
      JSON.stringify(first.doc.counts),
    ],
    [
      're-ingest succeeded, every row unchanged',
      again.doc.status === 'succeeded' &&
        again.doc.counts.accepted === 0 &&
        again.doc.counts.unchanged === ROWS &&
        again.doc.counts.reversed === 0 &&
        again.doc.counts.rows === ROWS,
      JSON.stringify(again.doc.counts),
    ],
  ];

  // Informational: the same report re-issued with one more line shows what a pass
  // over a million already-known lines costs (every line found unchanged, the window checked, one line new).
  if (REISSUE) {
    const reissued = path.join(tmp, `fee-earnings-${ROWS}-reissued.csv`);
    await copyFile(file, reissued);
    await appendFile(reissued, `${EXTRA_ROW.line}\n`);
    const more = await ingestRun('re-issue, +1 line (full path)', reissued, ROWS + 1);
    const after = await ledgerNow();
    checks.push(
      [
        're-issue succeeded: one line new, the rest unchanged',
        more.doc.status === 'succeeded' && more.doc.counts.accepted === 1 && more.doc.counts.unchanged === ROWS && more.doc.counts.reversed === 0,
        JSON.stringify(more.doc.counts),
      ],
      [
        'ledger after re-issue = file Ad Fees + the new line',
        Number(after.amount) === gen.adFeesMinor + EXTRA_ROW.feeMinor && Number(after.entries) === ROWS + 1,
        `${money(Number(after.amount))} USD in ${after.entries} lines`,
      ],
    );
  }
  checks.push(['every CLI run exited 0', runs.every((r) => r.run.exitCode === 0), runs.map((r) => r.run.exitCode).join(', ')]);

  // The table.
  const rate = (rows: number, s: number) => Math.round(rows / s);
  const copyRate = rate(copy.rows, copy.seconds);
  const firstRate = rate(ROWS, first.run.seconds);
  const againRate = rate(ROWS, again.run.seconds);
  const peak = Math.max(...runs.map((r) => r.run.peakRssMb ?? NaN));
  const fmt = (n: number) => n.toLocaleString('en-US');
  console.log('');
  console.log(`${'run'.padEnd(40)}${'rows'.padStart(12)}${'seconds'.padStart(10)}${'rows/s'.padStart(12)}${'peak RSS'.padStart(11)}`);
  console.log(
    `${'COPY into bare table (this process)'.padEnd(40)}${fmt(copy.rows).padStart(12)}${copy.seconds.toFixed(2).padStart(10)}${fmt(copyRate).padStart(12)}${'-'.padStart(11)}`,
  );
  for (const { label, rows, run } of runs) {
    console.log(
      `${`${label} (CLI)`.padEnd(40)}${fmt(rows).padStart(12)}${run.seconds.toFixed(2).padStart(10)}${fmt(rate(rows, run.seconds)).padStart(12)}${(run.peakRssMb === null ? 'n/a' : `${run.peakRssMb.toFixed(0)} MB`).padStart(11)}`,
    );
  }
  console.log(`CLI runs are timed from spawn to exit (ledger committed); peak RSS by ${first.run.rssSource}`);
  console.log('');
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const copyRatio = firstRate / copyRate;
  const againCopyRatio = againRate / copyRate;
  const againRatio = againRate / firstRate;
  console.log(
    `${verdict(copyRatio >= TARGET_COPY_RATIO)}  first ingest / COPY rate   ${(copyRatio * 100).toFixed(1)}%  (target ≥ ${TARGET_COPY_RATIO * 100}%)`,
  );
  console.log(
    `${verdict(againCopyRatio >= TARGET_COPY_RATIO)}  re-ingest / COPY rate      ${(againCopyRatio * 100).toFixed(1)}%  (target ≥ ${TARGET_COPY_RATIO * 100}%)`,
  );
  console.log(
    `${verdict(peak < TARGET_RSS_MB)}  ingest peak RSS            ${Number.isNaN(peak) ? 'n/a' : `${peak.toFixed(0)} MB`}  (target < ${TARGET_RSS_MB} MB, every run)`,
  );
  console.log(
    `${verdict(againRatio >= TARGET_REINGEST_RATIO)}  re-ingest / first speed    ${againRatio.toFixed(2)}×  (target ≥ ${TARGET_REINGEST_RATIO.toFixed(1)}×)`,
  );
  for (const [what, ok, detail] of checks) console.log(`${verdict(ok)}  ${what}: ${detail}`);
  return checks.every(([, ok]) => ok) ? 0 : 1;
}

await runBench(async () => {
  const writeAt = process.argv.indexOf('--write');
  if (writeAt !== -1 && process.argv[writeAt + 1]) {
    // Profiling aid: only write the report file (same content as a bench run) and stop.
    const gen = await generate(path.resolve(process.argv[writeAt + 1]!), ROWS);
    console.log(`wrote ${process.argv[writeAt + 1]}: ${gen.bytes} bytes, ${gen.returnRows} return rows, Ad Fees ${money(gen.adFeesMinor)} USD`);
    return 0;
  }
  return main();
});
