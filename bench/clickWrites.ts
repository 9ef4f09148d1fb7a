// `npm run bench:click-writes`: can the click write path keep up with redirects at creator scale?
//
// The real ClickBuffer (classification, visitor hash, batches of CLICK_BATCH_SIZE, repeat marks in Redis, one insert
// per batch into the partitioned clicks table) is fed in this process as the redirect handler feeds it: every 10 ms
// the clicks due at the offered rate, each for one of 40,000 links (a few creators and a few links of each taking
// most), from one of 200,000 visitors, with browser, in-app, preview and bot user agents. Its lag (the age of the
// oldest click not yet written) is sampled every tick. First a tenth of the rate for 10 s (the baseline, in the same
// run), then the full rate; then the buffer is stopped as on SIGTERM, and every click pushed must be in Postgres.
// Env: BENCH_CLICK_RATE (30000 clicks/s), BENCH_SECONDS (60), BENCH_DATABASE_SERVER, BENCH_REDIS_URL.
// Target: lag under 2 s throughout and no click lost (printed as PASS/FAIL; a shared 2-core machine is noisy).
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { ClickBuffer, type ClickEvent } from '../src/domain/clicks/clickBuffer.ts';
import { createClickPartitions } from '../src/domain/clicks/clickPartitions.ts';
import { RepeatDetector } from '../src/domain/clicks/repeatDetector.ts';
import { seedClickWorld } from './clickWorld.ts';
import {
  cleanups,
  intEnv,
  machineBusyMs,
  percentile,
  PG_SERVER,
  printTable,
  REDIS_URL,
  removeRedisPrefixOnExit,
  runBench,
  throwawayDatabase,
} from './support.ts';

const RATE = intEnv('BENCH_CLICK_RATE', 30_000);
const SECONDS = intEnv('BENCH_SECONDS', 60);
const TICK_MS = 10;
const LAG_TARGET_MS = 2000;

const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 329.0.0.0.58',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Discordbot/2.0; +https://discordapp.com',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const REFERERS = [undefined, 'https://www.instagram.com/', 'https://www.tiktok.com/', 'https://t.co/abc', 'https://www.youtube.com/'];

interface Phase {
  name: string;
  rate: number;
  seconds: number;
}

interface PhaseResult extends Phase {
  pushed: number;
  achieved: number;
  lag: { p50: number; p99: number; max: number };
  /** This process (feeding and writing) per click, µs of CPU. */
  usPerClick: number;
  /** Cores busy on the machine (this process, Postgres, Redis, the rest). */
  cores: number | undefined;
}

async function run(): Promise<number> {
  const name = `affiliate_bench_writes_${Date.now()}`;
  const db = await throwawayDatabase(PG_SERVER, name, { poolSize: 4 });
  await createClickPartitions(db, new Date(), 2);
  const { firstLink } = await seedClickWorld(db);
  const prefix = `bench-writes-${Date.now()}`;
  removeRedisPrefixOnExit(REDIS_URL, prefix);
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  cleanups.push({ what: 'close Redis', run: () => redis.quit() });
  let dropped = 0;
  let errors = 0;
  const buffer = new ClickBuffer({
    db,
    repeats: new RepeatDetector(redis, prefix),
    secret: 'bench-click-hash-secret-of-32-chars!',
    flushMs: 1000,
    batchSize: 500,
    onDropped: (n) => (dropped += n),
    onError: () => errors++,
  });
  buffer.start();

  // A few creators take most clicks (creator ~ r³) and a few links of each (link ~ r²), as in bench:clicks.
  const event = (): ClickEvent => {
    const r = Math.random();
    return {
      linkId: firstLink + Math.floor(400 * Math.random() ** 3) * 100 + Math.floor(100 * Math.random() ** 2),
      at: new Date(),
      ip: `10.${(r * 200_000) >> 16}.${((r * 200_000) >> 8) & 255}.${(r * 200_000) & 255}`,
      userAgent: USER_AGENTS[Math.floor(Math.random() ** 2 * USER_AGENTS.length)],
      referer: REFERERS[Math.floor(Math.random() * REFERERS.length)],
      country: 'US',
    };
  };

  const load = async (phase: Phase): Promise<PhaseResult> => {
    const lags: number[] = [];
    let pushed = 0;
    const cpu0 = process.cpuUsage();
    const busy0 = machineBusyMs();
    const t0 = performance.now();
    const end = t0 + phase.seconds * 1000;
    for (let now = t0; now < end; now = performance.now()) {
      const due = Math.floor(((now - t0) / 1000) * phase.rate) - pushed;
      for (let i = 0; i < due; i++) buffer.push(event());
      pushed += Math.max(0, due);
      lags.push(buffer.lagMs());
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const busy1 = machineBusyMs();
    lags.sort((a, b) => a - b);
    return {
      ...phase,
      pushed,
      achieved: pushed / (wall / 1000),
      lag: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags[lags.length - 1] ?? 0 },
      usPerClick: ((cpu.user + cpu.system) / pushed) | 0,
      cores: busy0 === undefined || busy1 === undefined ? undefined : (busy1 - busy0) / wall,
    };
  };

  console.log(`bench:click-writes — ${RATE} clicks/s for ${SECONDS} s (baseline ${RATE / 10} clicks/s for 10 s), batches of 500`);
  const results = [await load({ name: 'baseline', rate: RATE / 10, seconds: 10 }), await load({ name: 'redirect rate', rate: RATE, seconds: SECONDS })];
  const t = performance.now();
  const left = await buffer.stop(30_000);
  const drainMs = performance.now() - t;
  const pushed = results.reduce((n, r) => n + r.pushed, 0);
  const written = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM clicks`.execute(db)).rows[0]!.n);

  printTable(
    ['phase', 'offered/s', 'pushed/s', 'clicks', 'lag p50 ms', 'lag p99 ms', 'lag max ms', 'CPU µs/click', 'cores busy'],
    results.map((r) => [
      r.name,
      String(r.rate),
      r.achieved.toFixed(0),
      String(r.pushed),
      r.lag.p50.toFixed(0),
      r.lag.p99.toFixed(0),
      r.lag.max.toFixed(0),
      String(r.usPerClick),
      r.cores === undefined ? 'n/a' : r.cores.toFixed(2),
    ]),
  );
  const full = results[1]!;
  const keptUp = full.achieved >= full.rate * 0.95;
  const lagOk = full.lag.max < LAG_TARGET_MS;
  const noLoss = written === pushed && dropped === 0 && left === 0;
  console.log(
    `\n${keptUp && lagOk ? 'PASS' : 'FAIL'}  lag at ${full.achieved.toFixed(0)} clicks/s: max ${full.lag.max.toFixed(0)} ms, p99 ${full.lag.p99.toFixed(0)} ms (target < ${LAG_TARGET_MS} ms at ${full.rate}/s; baseline max ${results[0]!.lag.max.toFixed(0)} ms)`,
  );
  console.log(
    `${noLoss ? 'PASS' : 'FAIL'}  no loss: ${pushed} pushed, ${written} in Postgres, ${dropped} dropped, ${left} left after stop (drained in ${drainMs.toFixed(0)} ms); ${errors} write errors retried`,
  );
  return noLoss ? 0 : 1;
}

void runBench(run);
