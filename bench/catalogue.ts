// `npm run bench:catalogue`: the product catalogue at scale. Part 1 refreshes 100,000 products from a fake Creators API
// that enforces a rate limit, and counts the GetItems requests per product (full batches of 10 give 0.1); part 2 loads
// a 200-product storefront page at 1,000 req/s, with /healthz of the same server under the same load as baseline.
//
// What it does, in order:
//  1. creates a throwaway database (affiliate_bench_catalogue_<timestamp>_<pid>) and migrates it; picks a unique
//     QUEUE_PREFIX;
//  2. bulk-inserts (a handful of generate_series statements) BENCH_ORGANISATIONS organisations, one influencer per 200
//     products (spread over the organisations), each with a tracking ID, a storefront of four lists of 50 and a
//     storefront link per item; every influencer but the first also lists 20 products of the previous one (another
//     organisation's) in a fifth list, so some products are listed by two organisations, as refreshDue groups them.
//     No product has a catalogue entry: all are due;
//  3. starts the fake Creators API (test/support/fakeCreatorsApi.ts) in a child process (this file with
//     --fake-creators-api: its own event loop, so its clock is not the client's), answering every generated ASIN
//     (titles, brands, features, image URLs, prices; 1 in 50 out of stock) and throttling GetItems per credential to
//     BENCH_RATE requests/s (a token bucket of BENCH_BURST): a call past it gets 429 ThrottleException + Retry-After;
//  4. refreshes: refreshDue with the worker's per-run cap (CATALOGUE_REFRESH_MAX_REQUESTS) and the operator's
//     credential (AMAZON_CREATORS_* → the fake), in a loop until a run makes no request. The request budget is the
//     worker's RequestBudget with its base interval set to 1000 / BENCH_RATE ms (production: 1,000 ms, set in code).
//     Halfway, the fake answers one GetItems with 429 + Retry-After: 1 whatever its bucket says, to show the back-off.
//     The budget's waits, the time in GetItems and the rest (Postgres) are timed. Then checks that every product has
//     catalogue data (state ok, fetched, title, image and price);
//  5. starts the real server (`node --import tsx src/main.ts --role web`, NODE_ENV=production) in a child process,
//     checks that /s/<first influencer> shows its 200 products with the API's data, warms /healthz and the page, then
//     loads each at BENCH_PAGE_RATE req/s for BENCH_SECONDS, /healthz first, twice: paced (open loop, one request
//     every 1000 / rate ms whatever the answers, timed from when it was due) and with autocannon's overallRate (which
//     sends each second's requests at once; see "Part 2" below);
//  6. prints the figures and PASS/FAIL lines; drops the database, deletes the prefix's Redis keys and kills the
//     children on every exit path.
//
// Env: BENCH_PRODUCTS (100000), BENCH_RATE (GetItems/s the fake allows and the budget keeps to: 15), BENCH_BURST (2),
// BENCH_ORGANISATIONS (10), BENCH_PAGE_RATE (1000), BENCH_SECONDS (15), BENCH_CONNECTIONS (50),
// BENCH_WARMUP_REQUESTS (1000 per endpoint), BENCH_DATABASE_SERVER (postgres://postgres@127.0.0.1:5432),
// BENCH_REDIS_URL (REDIS_URL or redis://127.0.0.1:6379), BENCH_KEEP_DB=1, BENCH_CPU_PROF=<dir> to run the server
// under `node --cpu-prof` (profile in <dir>/server).
// Exit code: 0 when every product got its data, requests per product ≤ 0.11 (batching does not depend on the
// machine's speed), the back-off waited out the injected 429 without failing, and the page showed its products and
// answered no error or non-2xx under load; 1 otherwise. 429s from the limit, the refresh time against the rate limit's
// floor and the page p99 are printed as PASS/FAIL but not asserted: a shared 2-core machine is too noisy for that.
import {
  alive,
  autocannonTimed,
  BROWSER_HEADERS,
  cleanups,
  CPU_COLUMNS,
  CPU_NOTE,
  cpuCells,
  HOST,
  intEnv,
  loadCells,
  percentile,
  PG_SERVER,
  printTable,
  procCpuMs,
  REDIS_URL,
  removeRedisPrefixOnExit,
  runBench,
  startChild,
  startWebServer,
  stopChild,
  throwawayDatabase,
  waitExit,
  waitListening,
  withCpuShare,
  type AutocannonOptions,
  type CpuShare,
} from './support.ts';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { sql } from 'kysely';
import type { Db } from '../src/db/database.ts';
import type { GetItemsResult } from '../src/domain/catalogue/creatorsApi.ts';
import { refreshDue, type CatalogueFetchDeps, type FetchReport } from '../src/domain/catalogue/refresh.ts';
import { RequestBudget } from '../src/domain/catalogue/requestBudget.ts';
import { SecretBox } from '../src/secrets/secretBox.ts';
import { CATALOGUE_REFRESH_MAX_REQUESTS, catalogueFetchDeps } from '../jobs/catalogue/processor.ts';
import { FakeCreatorsApi, type FakeProduct } from '../test/support/fakeCreatorsApi.ts';

const PRODUCTS = intEnv('BENCH_PRODUCTS', 100_000);
const RATE = intEnv('BENCH_RATE', 15);
const BURST = intEnv('BENCH_BURST', 2);
const ORGANISATIONS = intEnv('BENCH_ORGANISATIONS', 10);
const PAGE_RATE = intEnv('BENCH_PAGE_RATE', 1000);
const SECONDS = intEnv('BENCH_SECONDS', 15);
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 50);
const WARMUP_REQUESTS = intEnv('BENCH_WARMUP_REQUESTS', 1000);
const KEEP = process.env.BENCH_KEEP_DB === '1';

/** Products per storefront (four lists of 50), and how many of the previous storefront's each other one also lists. */
const PER_STOREFRONT = 200;
const PER_LIST = 50;
const SHARED = 20;
const LIST_NAMES = ['Favorites', 'Kitchen', 'Travel', 'Desk setup'];
const SHARED_LIST = 'Friends’ picks';

const CREDENTIAL = { id: 'bench-client', secret: 'bench-secret', version: '3.1', partnerTag: 'benchoperator-20' } as const;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

// ---------------------------------------------------------------------------------------------------------------
// The fake Creators API, in a child process: this file run with --fake-creators-api.

const ADJECTIVES = [
  'Stainless',
  'Compact',
  'Wireless',
  'Ergonomic',
  'Insulated',
  'Foldable',
  'Rechargeable',
  'Non-stick',
  'Waterproof',
  'Adjustable',
  'Portable',
];
const NOUNS = [
  'French Press Coffee Maker',
  'Travel Backpack',
  'Desk Lamp',
  'Chef’s Knife',
  'Water Bottle',
  'Bluetooth Speaker',
  'Cast Iron Skillet',
  'Laptop Stand',
  'Yoga Mat',
  'Noise Cancelling Headphones',
  'Packing Cubes',
  'Mechanical Keyboard',
  'Pour-Over Kettle',
];
const COLOURS = ['Black', 'Matte White', 'Sage Green', 'Navy', 'Graphite', 'Sand'];

/** A plausible product for generated ASIN number n (about the size of a real answer's fields). */
function generatedProduct(n: number): FakeProduct {
  const brand = `Brandly${n % 97}`;
  const noun = NOUNS[n % NOUNS.length]!;
  const outOfStock = n % 50 === 0;
  return {
    title: `${brand} ${ADJECTIVES[n % ADJECTIVES.length]} ${noun}, ${COLOURS[n % COLOURS.length]}, ${1 + (n % 4)} Pack – Model ${n}`,
    brand,
    features: [
      `Built to last: ${ADJECTIVES[(n + 3) % ADJECTIVES.length]!.toLowerCase()} construction tested for everyday use at home, at work and on the road.`,
      `What you get: ${1 + (n % 4)} × ${noun.toLowerCase()}, a quick-start guide and a ${1 + (n % 3)}-year limited warranty.`,
      `Easy care: wipe clean or dishwasher safe where marked; every part can be replaced.`,
    ],
    imageUrl: `https://m.media-amazon.com/images/I/${(n * 7919).toString(36).padStart(8, '1')}L._AC_SL1500_.jpg`,
    price: Number((3.99 + ((n * 7919) % 30_000) / 100).toFixed(2)),
    currency: 'USD',
    ...(outOfStock
      ? { availabilityType: 'OUT_OF_STOCK', availability: 'Temporarily out of stock.' }
      : { availabilityType: 'IN_STOCK', availability: 'In Stock' }),
  };
}

interface FakeStats {
  getItems: number;
  throttled: number;
  tokens: number;
  /** GetItems calls answered 200, by how many ASINs they asked about. */
  batchSizes: Record<string, number>;
  otherStatuses: Record<string, number>;
}

async function serveFake(): Promise<void> {
  const fake = await FakeCreatorsApi.start();
  fake.addCredential(CREDENTIAL.id, CREDENTIAL.secret);
  fake.productFor = (asin, host) => {
    const m = /^B0(\d{8})$/.exec(asin);
    return host === 'www.amazon.com' && m ? generatedProduct(Number(m[1])) : undefined;
  };
  fake.rateLimit = { perSecond: RATE, burst: BURST };
  const stats = (): FakeStats => {
    const s: FakeStats = { getItems: 0, throttled: 0, tokens: fake.tokenCalls.length, batchSizes: {}, otherStatuses: {} };
    for (const c of fake.getItemsCalls) {
      s.getItems += 1;
      if (c.status === 429) s.throttled += 1;
      else if (c.status === 200) {
        const k = String((c.body?.itemIds as unknown[] | undefined)?.length ?? 0);
        s.batchSizes[k] = (s.batchSizes[k] ?? 0) + 1;
      } else s.otherStatuses[String(c.status)] = (s.otherStatuses[String(c.status)] ?? 0) + 1;
    }
    return s;
  };
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stats') process.send?.({ type: 'stats', stats: stats() });
    // One 429 on the next GetItems, whatever the bucket says: the client's back-off, seen once per run.
    if (m?.type === 'throttle-once') {
      fake.fail({ path: /getItems/, status: 429, body: { type: 'ThrottleException', message: 'Rate exceeded' }, headers: { 'retry-after': '1' } });
      process.send?.({ type: 'armed' });
    }
  });
  process.on('disconnect', () => void fake.close().finally(() => process.exit(0)));
  console.log(`listening ${new URL(fake.url).port}`);
}

// ---------------------------------------------------------------------------------------------------------------

/** Stops the fake: it closes and exits when its IPC channel goes (SIGTERM after 5 s). */
async function stopFake(child: ChildProcess): Promise<void> {
  if (!alive(child)) return;
  if (child.connected) child.disconnect();
  try {
    await waitExit(child, 5000);
  } catch {
    await stopChild(child, 5000);
  }
}

/** Sends the fake a message and waits for its answer of type `reply`. */
function askFake(child: ChildProcess, type: string, reply: string): Promise<{ type: string; stats?: FakeStats }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the fake Creators API did not answer ${type}`)), 10_000);
    const onMessage = (m: { type?: string; stats?: FakeStats }) => {
      if (m?.type !== reply) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as { type: string; stats?: FakeStats });
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

async function fakeStats(child: ChildProcess): Promise<FakeStats> {
  const { stats } = await askFake(child, 'stats', 'stats');
  if (!stats) throw new Error('the fake Creators API sent no stats');
  return stats;
}

// ---------------------------------------------------------------------------------------------------------------
// Seeding

interface Seeded {
  influencers: number;
  organisations: number;
  items: number;
  links: number;
  /** Products listed by influencers of two organisations. */
  shared: number;
  pageHandle: string;
  pageItems: number;
}

async function seed(db: Db): Promise<Seeded> {
  const influencers = Math.ceil(PRODUCTS / PER_STOREFRONT);
  const organisations = Math.min(ORGANISATIONS, influencers);
  await sql`INSERT INTO organisations (name) SELECT 'Bench organisation ' || g FROM generate_series(1, ${organisations}::int) g`.execute(db);
  // Influencer k (1-based) belongs to organisation (k - 1) mod organisations: neighbours are in different organisations.
  await sql`INSERT INTO influencers (organisation_id, handle, display_name)
            SELECT (SELECT min(id) FROM organisations) + (g - 1) % ${organisations}::int, 'bench' || lpad(g::text, 5, '0'), 'Creator ' || g
              FROM generate_series(1, ${influencers}::int) g`.execute(db);
  await sql`INSERT INTO tracking_ids (tracking_id, marketplace, influencer_id, is_default) SELECT handle || '-20', 'US', id, true FROM influencers ORDER BY id`.execute(
    db,
  );
  await sql`INSERT INTO storefronts (influencer_id) SELECT id FROM influencers ORDER BY id`.execute(db);
  await sql`INSERT INTO storefront_lists (storefront_id, name, position)
            SELECT s.id, (${sql.val(LIST_NAMES)}::text[])[g + 1], g FROM storefronts s CROSS JOIN generate_series(0, ${LIST_NAMES.length - 1}::int) g`.execute(
    db,
  );
  await sql`INSERT INTO storefront_lists (storefront_id, name, position)
            SELECT s.id, ${SHARED_LIST}, ${LIST_NAMES.length}::int FROM storefronts s JOIN influencers f ON f.id = s.influencer_id WHERE f.handle > 'bench00001'`.execute(
    db,
  );
  await sql`INSERT INTO products (marketplace, asin) SELECT 'US', 'B0' || lpad(g::text, 8, '0') FROM generate_series(1, ${PRODUCTS}::int) g`.execute(db);
  // Product n goes to influencer ceil(n / 200), list ((n - 1) mod 200) / 50, at position (n - 1) mod 200.
  await sql`INSERT INTO storefront_items (storefront_id, list_id, product_id, position)
            SELECT s.id, l.id, p.id, (x.n - 1) % ${PER_STOREFRONT}::int
              FROM products p
              CROSS JOIN LATERAL (SELECT substr(p.asin, 3)::int AS n) x
              JOIN influencers f ON f.handle = 'bench' || lpad(((x.n - 1) / ${PER_STOREFRONT}::int + 1)::text, 5, '0')
              JOIN storefronts s ON s.influencer_id = f.id
              JOIN storefront_lists l ON l.storefront_id = s.id AND l.position = ((x.n - 1) % ${PER_STOREFRONT}::int) / ${PER_LIST}::int`.execute(db);
  // Influencer k > 1 also lists the first 20 products of influencer k - 1.
  const shared = await sql`INSERT INTO storefront_items (storefront_id, list_id, product_id, position)
            SELECT s.id, l.id, p.id, ${PER_STOREFRONT}::int + j
              FROM generate_series(2, ${influencers}::int) k
              CROSS JOIN generate_series(0, ${SHARED - 1}::int) j
              JOIN products p ON p.asin = 'B0' || lpad(((k - 2) * ${PER_STOREFRONT}::int + j + 1)::text, 8, '0')
              JOIN influencers f ON f.handle = 'bench' || lpad(k::text, 5, '0')
              JOIN storefronts s ON s.influencer_id = f.id
              JOIN storefront_lists l ON l.storefront_id = s.id AND l.position = ${LIST_NAMES.length}::int`.execute(db);
  // One storefront link per item, as addToStorefront makes them.
  const links = await sql`INSERT INTO links (code, influencer_id, product_id, tracking_id_id, campaign, destination_url)
            SELECT 'sf' || lpad(i.id::text, 9, '0'), s.influencer_id, i.product_id, t.id, 'storefront', 'https://www.amazon.com/dp/' || p.asin || '?tag=' || t.tracking_id
              FROM storefront_items i
              JOIN storefronts s ON s.id = i.storefront_id
              JOIN tracking_ids t ON t.influencer_id = s.influencer_id AND t.is_default
              JOIN products p ON p.id = i.product_id`.execute(db);
  await sql`ANALYZE`.execute(db);
  const items = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM storefront_items`.execute(db)).rows[0]!.n);
  return {
    influencers,
    organisations,
    items,
    links: Number(links.numAffectedRows ?? 0),
    shared: Number(shared.numAffectedRows ?? 0),
    pageHandle: 'bench00001',
    pageItems: Math.min(PER_STOREFRONT, PRODUCTS),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Part 1: the refresh

/** The worker's budget, timed: how long the refresh waited for its turns, and how often Amazon said 429. */
class TimedBudget extends RequestBudget {
  waitedMs = 0;
  takes = 0;
  throttles = 0;
  /** The longest interval between turns the back-off reached (ms). */
  maxIntervalMs = 0;
  /** How long each turn right after a 429 waited (ms): Retry-After, or the doubled interval if longer. */
  readonly waitsAfterThrottle: number[] = [];
  onTake: (() => void) | undefined;
  private afterThrottle = false;
  override async take(key: string): Promise<void> {
    this.onTake?.();
    const t = performance.now();
    await super.take(key);
    const waited = performance.now() - t;
    this.waitedMs += waited;
    this.takes += 1;
    if (this.afterThrottle) this.waitsAfterThrottle.push(waited);
    this.afterThrottle = false;
  }
  override throttled(key: string, retryAfterMs?: number): void {
    this.throttles += 1;
    this.afterThrottle = true;
    super.throttled(key, retryAfterMs);
    this.maxIntervalMs = Math.max(this.maxIntervalMs, this.intervalMs(key));
  }
}

interface RefreshFigures {
  runs: number;
  report: FetchReport;
  seconds: number;
  budgetWaitS: number;
  apiS: number;
  selectS: number;
  peakRssMb: number;
  maxIntervalMs: number;
  finalIntervalMs: number;
  /** Whether the one injected 429 was armed (the refresh got halfway). */
  injected: boolean;
  throttles: number;
  waitsAfterThrottle: number[];
}

async function refreshAll(db: Db, apiUrl: string, throttleOnce: () => Promise<void>): Promise<RefreshFigures> {
  const budget = new TimedBudget({ baseIntervalMs: 1000 / RATE });
  const config = {
    AMAZON_CREATORS_API_URL: apiUrl,
    AMAZON_CREATORS_CLIENT_ID: CREDENTIAL.id,
    AMAZON_CREATORS_CLIENT_SECRET: CREDENTIAL.secret,
    AMAZON_CREATORS_CREDENTIAL_VERSION: CREDENTIAL.version,
    AMAZON_CREATORS_PARTNER_TAG: CREDENTIAL.partnerTag,
  };
  // The operator's credential lives in the environment; the box is only used for organisations' sealed ones (none here).
  const base = catalogueFetchDeps({ db, box: new SecretBox({}), config, budget });
  // Time spent in GetItems (token included), around the worker's own client; halfway, one 429 is injected.
  let apiMs = 0;
  let calls = 0;
  const injectAt = Math.ceil(PRODUCTS / 10 / 2);
  const deps: CatalogueFetchDeps = {
    ...base,
    clientFor: (c) => {
      const client = base.clientFor(c);
      return {
        getItems: async (marketplace: string, asins: string[]): Promise<GetItemsResult> => {
          if (++calls === injectAt) await throttleOnce();
          const t = performance.now();
          try {
            return await client.getItems(marketplace, asins);
          } finally {
            apiMs += performance.now() - t;
          }
        },
      };
    },
  };
  const report: FetchReport = { requests: 0, fetched: 0, unknown: 0, skipped: 0, failures: [] };
  let runs = 0;
  let selectMs = 0;
  const t0 = performance.now();
  const maxRuns = Math.ceil(PRODUCTS / 10 / CATALOGUE_REFRESH_MAX_REQUESTS) * 3 + 10;
  for (;;) {
    // From the start of a run to its first turn: finding the due products and the usable credentials.
    const runStart = performance.now();
    let first = true;
    budget.onTake = () => {
      if (first) selectMs += performance.now() - runStart;
      first = false;
    };
    const r = await refreshDue(deps, { maxRequests: CATALOGUE_REFRESH_MAX_REQUESTS });
    if (first) selectMs += performance.now() - runStart;
    runs += 1;
    report.requests += r.requests;
    report.fetched += r.fetched;
    report.unknown += r.unknown;
    report.skipped += r.skipped;
    report.failures.push(...r.failures);
    const s = (performance.now() - t0) / 1000;
    const progress = `  run ${runs}: ${fmt(report.fetched)} products fetched, ${fmt(report.requests)} requests, ${s.toFixed(0)} s (${(report.fetched / s).toFixed(0)} products/s)`;
    if (process.stdout.isTTY) process.stdout.write(`\r${progress}\x1b[K`);
    else if (runs % 10 === 1) console.log(progress);
    if (r.requests === 0 || runs >= maxRuns) break;
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  return {
    runs,
    report,
    seconds: (performance.now() - t0) / 1000,
    budgetWaitS: budget.waitedMs / 1000,
    apiS: apiMs / 1000,
    selectS: selectMs / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    maxIntervalMs: Math.max(budget.maxIntervalMs, budget.intervalMs('env')),
    finalIntervalMs: budget.intervalMs('env'),
    injected: calls >= injectAt,
    throttles: budget.throttles,
    waitsAfterThrottle: budget.waitsAfterThrottle,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Part 2: the page under load
//
// Two loads at the same rate. autocannon's overallRate is a quota: each connection sends its share of a second's
// requests back to back as soon as the second starts, then waits for the next second, so 1,000 req/s arrive as one
// burst of 1,000 at a concurrency of BENCH_CONNECTIONS each second. The paced load (open loop) sends one request every
// 1000 / rate ms whatever the answers, on at most BENCH_CONNECTIONS keep-alive sockets, and times each answer from
// when its request was due (so waiting for a free socket counts: no coordinated omission). "At 1,000 req/s" is the
// paced load's; autocannon's figures are shown beside it, as the other benchmarks use it.

interface Answers {
  /** Response times of every answer, ms, sub-millisecond. */
  times: Float64Array;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Paced: requests not answered 10 s after the last one was due (still queued or in flight); autocannon: not counted (NaN). */
  unanswered: number;
  bytes: number;
  /** Seconds over which the answers were counted (the load's duration). */
  seconds: number;
}

/** autocannon: a warm-up (`amount`) or an overallRate load. */
async function autocannonLoad(url: string, opts: AutocannonOptions): Promise<Answers> {
  const { result: r, times } = await autocannonTimed(url, opts);
  return {
    times,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    // requests.sent does not mean requests written under overallRate.
    unanswered: NaN,
    bytes: r.throughput.total,
    seconds: r.duration,
  };
}

/** The paced (open-loop) load: `rate` requests a second for `seconds`, evenly spaced, timed from when each was due. */
async function pacedLoad(url: string, opts: { rate: number; seconds: number; connections: number }): Promise<Answers> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const total = Math.round(opts.rate * opts.seconds);
  const times = new Float64Array(total);
  const out: Answers = { times, ok: 0, non2xx: 0, errors: 0, timeouts: 0, unanswered: 0, bytes: 0, seconds: opts.seconds };
  let answered = 0;
  let settled = 0;
  let lastAt = 0;
  const open = new Set<http.ClientRequest>();
  const t0 = performance.now() + 20;
  await new Promise<void>((resolve) => {
    // Whatever is not answered 10 s after the last request was due never will be, as far as this run is concerned.
    const cutOff = setTimeout(
      () => {
        out.unanswered += open.size;
        for (const req of open) req.destroy();
        open.clear();
        resolve();
      },
      opts.seconds * 1000 + 10_000 + 20,
    );
    const settle = () => {
      if (++settled < total) return;
      clearTimeout(cutOff);
      resolve();
    };
    const fire = (due: number) => {
      const req = http.get(url, { agent, headers: BROWSER_HEADERS }, (res) => {
        res.on('data', (chunk: Buffer) => (out.bytes += chunk.length));
        res.on('end', () => {
          if (!open.delete(req)) return;
          lastAt = performance.now();
          times[answered++] = lastAt - due;
          if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) out.ok += 1;
          else out.non2xx += 1;
          settle();
        });
      });
      open.add(req);
      req.on('error', () => {
        if (!open.delete(req)) return;
        out.errors += 1;
        settle();
      });
    };
    let sent = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * opts.rate) / 1000) + 1);
      for (; sent < due; sent++) fire(t0 + (sent * 1000) / opts.rate);
      if (sent < total) setTimeout(tick, Math.max(0, t0 + (sent * 1000) / opts.rate - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  agent.destroy();
  out.times = times.subarray(0, answered);
  // Answers per second over the time they took to come (the load's duration, or longer when the server fell behind).
  out.seconds = Math.max(opts.seconds, (lastAt - t0) / 1000);
  return out;
}

/** Waits until the server child uses under a tenth of a core for a quarter of a second (at most 20 s). */
async function waitIdle(server: ChildProcess): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const before = procCpuMs(server.pid);
    await new Promise((r) => setTimeout(r, 250));
    const after = procCpuMs(server.pid);
    if (before === undefined || after === undefined || after - before <= 25) return;
  }
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  unanswered: number;
  kbPerAnswer: number;
  cpu?: CpuShare | undefined;
}

function summarise(name: string, a: Answers & { cpu?: CpuShare | undefined }): Row {
  const sorted = a.times.slice().sort();
  return {
    name,
    rps: a.times.length / a.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    ok: a.ok,
    non2xx: a.non2xx,
    errors: a.errors,
    timeouts: a.timeouts,
    unanswered: a.unanswered,
    kbPerAnswer: a.bytes / Math.max(1, a.times.length) / 1024,
    cpu: a.cpu,
  };
}

function printLoadTable(rows: Row[]) {
  printTable(
    ['load', 'answers/s', 'p50 ms', 'p99 ms', 'max ms', '2xx', 'non-2xx', 'errors', 'timeouts', 'unanswered', 'KB/answer', ...CPU_COLUMNS],
    rows.map((r) => [
      r.name,
      ...loadCells(r),
      r.max.toFixed(1),
      String(r.ok),
      String(r.non2xx),
      String(r.errors),
      String(r.timeouts),
      Number.isNaN(r.unanswered) ? 'n/a' : String(r.unanswered),
      r.kbPerAnswer.toFixed(1),
      ...cpuCells(r.cpu, 0),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const stamp = `${Date.now()}_${process.pid}`;
  const dbName = `affiliate_bench_catalogue_${stamp}`;
  const prefix = `bench_${stamp}`;
  const floorS = PRODUCTS / 10 / RATE;
  console.log(
    `catalogue bench: ${fmt(PRODUCTS)} products refreshed at ≤ ${RATE} GetItems/s (burst ${BURST}; floor ${floorS.toFixed(0)} s), then /s/<handle> with ${Math.min(PER_STOREFRONT, PRODUCTS)} products at ${PAGE_RATE} req/s × ${SECONDS} s, ${CONNECTIONS} connections (/healthz first, same load)`,
  );
  console.log(`database ${dbName}, queue prefix ${prefix}`);

  removeRedisPrefixOnExit(REDIS_URL, prefix);
  const db = await throwawayDatabase(PG_SERVER, dbName, { poolSize: 4, keep: KEEP });

  const t = performance.now();
  const seeded = await seed(db);
  console.log(
    `seeded in ${((performance.now() - t) / 1000).toFixed(1)} s: ${seeded.organisations} organisations, ${fmt(seeded.influencers)} influencers, ${fmt(PRODUCTS)} products, ${fmt(seeded.items)} storefront items (${fmt(seeded.shared)} listing another organisation's product), ${fmt(seeded.links)} links`,
  );

  // ---- Part 1
  const fakeChild = startChild(
    'fake',
    ['--import', 'tsx', 'bench/catalogue.ts', '--fake-creators-api'],
    { BENCH_RATE: String(RATE), BENCH_BURST: String(BURST) },
    true,
  );
  const fakePort = await waitListening(fakeChild, 'fake Creators API');
  cleanups.push({ what: 'stop the fake Creators API', run: () => stopFake(fakeChild) });
  const refresh = await refreshAll(db, `http://${HOST}:${fakePort}`, () => askFake(fakeChild, 'throttle-once', 'armed').then(() => undefined));
  const stats = await fakeStats(fakeChild);
  const check = (
    await sql<{ products: string; entries: string; complete: string; alerts: string; fresh: string }>`
      SELECT count(*) AS products, count(c.product_id) AS entries,
             count(*) FILTER (WHERE c.state = 'ok' AND c.fetched_at IS NOT NULL AND c.title IS NOT NULL AND c.price_minor IS NOT NULL AND c.image_url IS NOT NULL) AS complete,
             count(*) FILTER (WHERE c.next_attempt_at > now() + interval '22 hours') AS fresh,
             (SELECT count(*) FROM catalogue_health_alerts) AS alerts
        FROM products p LEFT JOIN catalogue_entries c ON c.product_id = p.id`.execute(db)
  ).rows[0]!;
  const complete = Number(check.complete);
  const perProduct = stats.getItems / Math.max(1, complete);
  const full = stats.batchSizes['10'] ?? 0;
  const answered = Object.values(stats.batchSizes).reduce((a, b) => a + b, 0);
  const getItemsPerS = stats.getItems / refresh.seconds;
  const injected = refresh.injected ? 1 : 0;
  const organic429 = stats.throttled - injected;
  // Back-off: the try after the injected 429 (Retry-After: 1) waited at least a second, and nothing failed.
  const backOffOk = !refresh.injected || (refresh.waitsAfterThrottle.some((w) => w >= 990) && refresh.report.failures.length === 0);

  console.log('');
  console.log('part 1: refresh');
  printTable(
    ['figure', 'value'],
    [
      [
        'products with catalogue data / products',
        `${fmt(complete)} / ${fmt(Number(check.products))} (rows ${fmt(Number(check.entries))}, next refresh in ~23 h: ${fmt(Number(check.fresh))})`,
      ],
      [
        'products fetched (refreshDue reports)',
        `${fmt(refresh.report.fetched)} in ${refresh.runs} runs of ≤ ${CATALOGUE_REFRESH_MAX_REQUESTS} requests; unknown ${refresh.report.unknown}, skipped ${refresh.report.skipped}, failures ${refresh.report.failures.length}`,
      ],
      [
        'GetItems requests (fake / client)',
        `${fmt(stats.getItems)} / ${fmt(refresh.report.requests)}: ${fmt(full)} of ${fmt(answered)} answered with 10 ASINs (sizes ${Object.entries(
          stats.batchSizes,
        )
          .map(([k, v]) => `${k}×${v}`)
          .join(' ')})`,
      ],
      ['requests per product', `${perProduct.toFixed(4)} (full batches: 0.1000; ratio ${(perProduct / 0.1).toFixed(3)}×)`],
      ['token requests', String(stats.tokens)],
      [
        '429s (fake: injected + rate limit) / seen by the budget',
        `${injected} + ${organic429} / ${refresh.throttles}${Object.keys(stats.otherStatuses).length ? `; other statuses ${JSON.stringify(stats.otherStatuses)}` : ''}`,
      ],
      ['wall seconds / floor at the rate limit', `${refresh.seconds.toFixed(1)} s / ${floorS.toFixed(1)} s = ${(refresh.seconds / floorS).toFixed(3)}×`],
      ['products/s; GetItems/s (limit)', `${(complete / refresh.seconds).toFixed(1)}; ${getItemsPerS.toFixed(2)} (${RATE})`],
      [
        'where the time went',
        `budget waits ${refresh.budgetWaitS.toFixed(1)} s, GetItems ${refresh.apiS.toFixed(1)} s, finding due products ${refresh.selectS.toFixed(1)} s, storing the rest ${Math.max(0, refresh.seconds - refresh.budgetWaitS - refresh.apiS - refresh.selectS).toFixed(1)} s`,
      ],
      [
        'budget interval (base / largest / at the end)',
        `${(1000 / RATE).toFixed(1)} ms / ${refresh.maxIntervalMs.toFixed(1)} ms / ${refresh.finalIntervalMs.toFixed(1)} ms`,
      ],
      ['waits right after a 429', refresh.waitsAfterThrottle.length ? refresh.waitsAfterThrottle.map((w) => `${w.toFixed(0)} ms`).join(', ') : 'none'],
      ['link-health alerts (1 in 50 out of stock)', String(check.alerts)],
      ['peak RSS (this process: seeding + refresh)', `${refresh.peakRssMb.toFixed(0)} MB`],
    ].map(([a, b]) => [a!, b!]),
    // Both columns are text (values are phrases, not bare figures): all aligned left.
    () => true,
  );
  for (const f of refresh.report.failures.slice(0, 5)) console.log(`  failure: ${f.credential} ${f.kind}: ${f.message}`);
  await stopFake(fakeChild);

  // ---- Part 2
  const { child: server, url: baseUrl } = await startWebServer('server', `${PG_SERVER}/${dbName}`, prefix);
  const pageUrl = `${baseUrl}/s/${seeded.pageHandle}`;
  const probe = await fetch(pageUrl, { headers: BROWSER_HEADERS });
  const html = await probe.text();
  const cards = html.match(/<article class="card/g)?.length ?? 0;
  const placeholders = html.match(/class="ph"/g)?.length ?? 0;
  const prices = html.match(/<p class="price">/g)?.length ?? 0;
  const pageOk = probe.status === 200 && cards === seeded.pageItems && placeholders === 0;
  console.log('');
  console.log(
    `part 2: ${pageUrl}: ${probe.status}, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KB, ${cards} products (${prices} with a price, ${placeholders} without the API's image), cache-control: ${probe.headers.get('cache-control')}`,
  );
  if (!pageOk) console.log(`FAIL  the page does not show the ${seeded.pageItems} products with the API's data`);

  const healthUrl = `${baseUrl}/healthz`;
  await autocannonLoad(healthUrl, { connections: 10, amount: WARMUP_REQUESTS });
  await autocannonLoad(pageUrl, { connections: 10, amount: WARMUP_REQUESTS });
  const pause = () => new Promise((r) => setTimeout(r, 500));
  // Requests the server had queued when a load ended are still being answered: let them finish before the next load
  // (and before the graceful stop closes the pool under them).
  const drain = () => waitIdle(server);
  const paced = () => ({ rate: PAGE_RATE, seconds: SECONDS, connections: CONNECTIONS });
  const health = summarise('paced /healthz', await withCpuShare(server, () => pacedLoad(healthUrl, paced())));
  await pause();
  const page = summarise(`paced /s/${seeded.pageHandle}`, await withCpuShare(server, () => pacedLoad(pageUrl, paced())));
  await drain();
  const acHealth = summarise(
    'autocannon /healthz',
    await withCpuShare(server, () => autocannonLoad(healthUrl, { connections: CONNECTIONS, duration: SECONDS, overallRate: PAGE_RATE })),
  );
  await pause();
  const acPage = summarise(
    `autocannon /s/${seeded.pageHandle}`,
    await withCpuShare(server, () => autocannonLoad(pageUrl, { connections: CONNECTIONS, duration: SECONDS, overallRate: PAGE_RATE })),
  );
  await drain();
  const exit = await stopChild(server, 40_000);

  printLoadTable([health, page, acHealth, acPage]);
  console.log(
    `offered ${PAGE_RATE} req/s to each for ${SECONDS} s on ≤ ${CONNECTIONS} connections, /healthz first; server exited with ${exit.signal ?? `code ${exit.code}`}`,
  );
  console.log(
    "paced: one request every 1000/rate ms whatever the answers, each timed from when it was due; autocannon: overallRate, i.e. each second's requests sent at once, each timed from its own send",
  );
  console.log(CPU_NOTE);

  // ---- Verdicts
  const dataOk = complete === PRODUCTS && Number(check.products) === PRODUCTS;
  const batchingOk = perProduct <= 0.11;
  const rows = [health, page, acHealth, acPage];
  const loadOk = pageOk && rows.every((r) => r.non2xx === 0 && r.errors === 0);
  // A paced load's p99 counts its unanswered requests as slower than any answer: past 1% of them it is "over the cut-off".
  const offered = Math.round(PAGE_RATE * SECONDS);
  const p99Of = (r: Row) => ((Number.isNaN(r.unanswered) ? 0 : r.unanswered) + r.timeouts > offered * 0.01 ? Infinity : r.p99);
  const p99Text = (r: Row) =>
    Number.isFinite(p99Of(r)) ? `${r.p99.toFixed(2)} ms` : `over ${SECONDS + 10} s (${fmt(r.unanswered)} of ${fmt(offered)} unanswered)`;
  const rateKept = page.rps >= PAGE_RATE * 0.95;
  console.log('');
  console.log(`${verdict(dataOk)}  every product has catalogue data: ${fmt(complete)} of ${fmt(PRODUCTS)}`);
  console.log(`${verdict(batchingOk)}  requests per product ${perProduct.toFixed(4)} (target ≤ 0.11; full batches 0.1000)`);
  console.log(
    `${verdict(organic429 === 0)}  the client kept to the rate limit: ${organic429} 429s from the fake's limit in ${fmt(stats.getItems)} requests [reported, not asserted]`,
  );
  console.log(
    refresh.injected
      ? `${verdict(backOffOk)}  back-off: after the injected 429 (Retry-After: 1) the next try waited ${refresh.waitsAfterThrottle.map((w) => `${w.toFixed(0)} ms`).join(', ')}, the interval went to ${refresh.maxIntervalMs.toFixed(1)} ms and back to ${refresh.finalIntervalMs.toFixed(1)} ms; ${refresh.report.failures.length} failures`
      : 'note  back-off not exercised: the refresh finished before the injected 429',
  );
  console.log(
    `${verdict(refresh.seconds <= floorS * 1.1)}  refresh time ${refresh.seconds.toFixed(1)} s vs the rate limit's floor ${floorS.toFixed(1)} s: ${(refresh.seconds / floorS).toFixed(3)}× (target ≤ 1.1×) [reported, not asserted]`,
  );
  console.log(
    `${verdict(p99Of(page) < 20 && rateKept)}  storefront page p99 ${p99Text(page)} at ${page.rps.toFixed(0)} answers/s of ${PAGE_RATE} req/s offered, paced (target < 20 ms; /healthz at the same load: p99 ${p99Text(health)}${Number.isFinite(p99Of(page)) ? `, ratio ${(page.p99 / health.p99).toFixed(1)}×` : ''}) [reported, not asserted]`,
  );
  if (!rateKept)
    console.log(
      `note  the server answered ${page.rps.toFixed(0)} of the ${PAGE_RATE} page requests a second: its capacity for this page is about ${page.cpu ? (1e6 / page.cpu.serverUsPerReq).toFixed(0) : '?'} req/s per process (${page.cpu ? (page.cpu.serverUsPerReq / 1000).toFixed(1) : '?'} ms of CPU each)`,
    );
  console.log(
    `      autocannon overallRate for comparison: page p99 ${acPage.p99.toFixed(2)} ms at ${acPage.rps.toFixed(0)} answers/s, /healthz p99 ${acHealth.p99.toFixed(2)} ms at ${acHealth.rps.toFixed(0)} answers/s (bursts of a second's requests)`,
  );
  console.log(
    `${verdict(loadOk)}  page answered with its ${seeded.pageItems} products, and no error or non-2xx under load: ${rows.map((r) => `${r.name} ${r.non2xx}/${r.errors}`).join(', ')} (non-2xx/errors)`,
  );
  return dataOk && batchingOk && backOffOk && loadOk ? 0 : 1;
}

if (process.argv.includes('--fake-creators-api')) await serveFake();
else await runBench(main);
