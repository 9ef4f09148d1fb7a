// `npm run bench:clicks`: how click figures grow with the clicks, with the click rollups in place.
//
// What it does, in order:
//  1. creates two throwaway databases (--clicks clicks, and --base-clicks for the baseline), migrates both, creates
//     the monthly partitions of 13 months back, and fills them with set-based SQL (generate_series INSERTs, in time
//     order as a live service writes them):
//     3 organisations (240, 100 and 60 influencers), 400 influencers, 40,000 links (100 each), clicks over 13 months
//     skewed so a few creators take most (influencer ~ r³) and a few links of each most (link ~ r²), 60% unique
//     clicks, the rest repeats, previews and bots;
//  2. rolls the clicks up from nothing (the backfill an existing deployment runs once), timed;
//  3. times each query BENCH_REPEAT times after a warm-up (median, p95): the biggest creator's /earnings click
//     figures (kinds and most-clicked links) for 7d, 30d, ytd, all (New York) and 30d in Nepal (+5:45), the same for
//     the 240-influencer organisation, the digest's click part and the whole digest for that organisation (New York
//     and Nepal). Each is run once on clicks alone (no rollups) and must give the same figures;
//  4. prints the table, the ratio to the baseline, PASS/FAIL per target and the disk per million clicks.
// Flags: --clicks N (10000000), --base-clicks N (1000000). Env: BENCH_REPEAT (7), BENCH_DATABASE_SERVER
// (postgres://postgres@127.0.0.1:5432), BENCH_KEEP_DB=1 (keep both databases), BENCH_REUSE=<big>,<base> (measure
// kept databases again: migrate them, roll up what is new, time the queries; pass the same --clicks numbers).
// Targets: click queries and the digest's click part under 100 ms median (and ≤ 3× baseline), the organisation's
// whole digest under 300 ms.
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'kysely';
import type { Db } from '../src/db/database.ts';
import { clickKindCounts, clickTotals, organisationClickCounts, type ClickScope, type ReadOptions } from '../src/domain/clicks/clickCounts.ts';
import { topClickedLinks } from '../src/domain/clicks/linkRanking.ts';
import { createClickPartitions, monthStart } from '../src/domain/clicks/clickPartitions.ts';
import { refreshClickRollups } from '../src/domain/clicks/clickRollupRefresh.ts';
import { buildDigest } from '../src/domain/digest/digestReport.ts';
import { parsePeriod } from '../src/domain/earnings/period.ts';
import { addDays, localDate, zonedTime } from '../src/domain/common/time.ts';
import { seedClickWorld } from './clickWorld.ts';
import { intEnv, runBench, throwawayDatabase } from './support.ts';

const flag = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const CLICKS = flag('--clicks', 10_000_000);
const BASE_CLICKS = flag('--base-clicks', 1_000_000);
const REPEAT = intEnv('BENCH_REPEAT', 7);
const SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
const KEEP = process.env.BENCH_KEEP_DB === '1';
/** Databases a run kept (BENCH_KEEP_DB=1), "<big>,<base>": measured again (migrated first) without filling. */
const REUSE = process.env.BENCH_REUSE?.split(',');
const DAYS = 395;

async function fill(db: Db, clicks: number): Promise<void> {
  const now = new Date();
  await createClickPartitions(db, monthStart(now, -13), 15);
  const { firstLink } = await seedClickWorld(db);
  // Chunks in time order, each a slice of the 13 months sorted by time, so click ids ascend with time as a live
  // service's do: a roll-up chunk then touches a few days' buckets, not every bucket of the 13 months.
  const chunk = 2_000_000;
  const chunks = Math.ceil(clicks / chunk);
  const sliceDays = DAYS / chunks;
  for (let c = 0, done = 0; c < chunks; c++, done += chunk) {
    const n = Math.min(chunk, clicks - done);
    const sliceStart = new Date(now.getTime() - (DAYS - c * sliceDays) * 86_400_000);
    await sql`INSERT INTO clicks (link_id, clicked_at, kind, device, visitor_hash, organisation_id)
              SELECT g.link_id, g.at, g.kind, 'mobile', 'v', i.organisation_id
                FROM (SELECT ${firstLink}::bigint + floor(400 * random() ^ 3)::int * 100 + floor(100 * random() ^ 2)::int AS link_id,
                             ${sliceStart}::timestamptz + random() * ${`${sliceDays * 86_400} seconds`}::interval AS at,
                             CASE WHEN r < 0.6 THEN 'click' WHEN r < 0.8 THEN 'repeat' WHEN r < 0.9 THEN 'preview' ELSE 'bot' END AS kind
                        FROM (SELECT random() AS r FROM generate_series(1, ${n})) r) g
                JOIN links k ON k.id = g.link_id JOIN influencers i ON i.id = k.influencer_id
               ORDER BY g.at`.execute(db);
    process.stdout.write(`  ${done + n} clicks\r`);
  }
  await sql`VACUUM ANALYZE clicks`.execute(db);
  await sql`ANALYZE links`.execute(db);
}

interface Query {
  name: string;
  run: (db: Db, opts: ReadOptions) => Promise<unknown>;
  target: number;
}

async function queries(db: Db): Promise<Query[]> {
  const first = (await sql<{ i: string; o: string }>`SELECT min(id) AS i, min(organisation_id) AS o FROM influencers`.execute(db)).rows[0]!;
  const creator: ClickScope = { influencerId: Number(first.i) };
  const org: ClickScope = { organisationId: Number(first.o) };
  const now = new Date();
  const earnings = (who: string, scope: ClickScope, word: string, tz: string): Query => ({
    name: `/earnings clicks ${who} ${word} ${tz}`,
    target: 100,
    run: async (d, o) => {
      const p = parsePeriod(word, tz, now);
      const range = { from: p.from, to: p.to };
      // As earningsSummary reads them: the scope's totals (an organisation's from its own rows) and the top links.
      return Promise.all([clickTotals(d, scope, range, o), topClickedLinks(d, scope, range, 5, [], o)]);
    },
  });
  const digestClicks = (tz: string): Query => ({
    name: `digest click part org(240) ${tz}`,
    target: 100,
    run: async (d, o) => {
      // The digest's click reads: five windows per influencer, 30 local days for the organisation, top links month to date.
      const today = localDate(now, tz);
      const y = addDays(today, -1);
      const at = (x: string) => zonedTime(x, tz);
      const segs = [
        { from: at(y), to: at(today) },
        { from: at(`${y.slice(0, 8)}01`), to: at(today) },
        { from: at(addDays(y, -1)), to: at(y) },
        { from: at(addDays(y, -7)), to: at(addDays(y, -6)) },
        { from: at(addDays(y, -7)), to: at(y) },
      ];
      for (let i = 29; i >= 0; i--) segs.push({ from: at(addDays(y, -i)), to: at(addDays(y, -i + 1)) });
      return Promise.all([
        clickKindCounts(d, org, segs.slice(0, 5), o),
        organisationClickCounts(d, org.organisationId, segs.slice(5), o),
        topClickedLinks(d, org, segs[1]!, 5, [segs[0]!], o),
      ]);
    },
  });
  const digest = (tz: string): Query => ({
    name: `digest org(240) ${tz}`,
    target: 300,
    run: (d, o) => buildDigest(d, org.organisationId, { timezone: tz, now, ...(o.rollups === false ? { rollups: false } : {}) }),
  });
  return [
    ...['7d', '30d', 'ytd', 'all'].map((w) => earnings('creator', creator, w, 'America/New_York')),
    earnings('creator', creator, '30d', 'Asia/Kathmandu'),
    ...['30d', 'all'].map((w) => earnings('org(240)', org, w, 'America/New_York')),
    earnings('org(240)', org, '30d', 'Asia/Kathmandu'),
    digestClicks('America/New_York'),
    digestClicks('Asia/Kathmandu'),
    digest('America/New_York'),
    digest('Asia/Kathmandu'),
  ];
}

async function time(db: Db, q: Query): Promise<{ median: number; p95: number; same: boolean }> {
  const fromRollups = await q.run(db, {});
  const fromRaw = await q.run(db, { rollups: false });
  const ms: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    await q.run(db, {});
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return {
    median: ms[Math.floor(ms.length / 2)]!,
    p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)]!,
    same: isDeepStrictEqual(fromRollups, fromRaw),
  };
}

async function measure(label: string, clicks: number, reuse?: string) {
  const name = reuse ?? `affiliate_bench_clicks_${Date.now()}${label}`;
  let t = performance.now();
  const db = await throwawayDatabase(SERVER, name, { poolSize: 4, keep: KEEP || reuse !== undefined });
  if (reuse) console.log(`${label || 'big'}: reused ${name}, migrated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  else {
    t = performance.now();
    await fill(db, clicks);
    console.log(`${label || 'big'}: filled ${clicks} clicks in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  t = performance.now();
  const r = await refreshClickRollups(db);
  await sql`VACUUM ANALYZE click_rollups`.execute(db);
  const rollupSeconds = (performance.now() - t) / 1000;
  console.log(`${label || 'big'}: rolled up ${r.clicks} clicks in ${rollupSeconds.toFixed(1)} s`);
  const sizes = (
    await sql<{ clicks: string; rollups: string; rows: string }>`
      SELECT (SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i WHERE i.inhparent = 'clicks'::regclass) AS clicks,
             pg_total_relation_size('click_rollups') AS rollups, (SELECT count(*) FROM click_rollups) AS rows`.execute(db)
  ).rows[0]!;
  const results = new Map<string, { median: number; p95: number; same: boolean; target: number }>();
  for (const q of await queries(db)) results.set(q.name, { ...(await time(db, q)), target: q.target });
  return {
    results,
    rollupSeconds,
    clicksMbPerM: Number(sizes.clicks) / 1e6 / (clicks / 1e6),
    rollupsMbPerM: Number(sizes.rollups) / 1e6 / (clicks / 1e6),
    rollupRows: Number(sizes.rows),
  };
}

await runBench(async () => {
  console.log(`bench:clicks — ${CLICKS} clicks against a baseline of ${BASE_CLICKS}, ${REPEAT} runs per query`);
  const base = await measure('_base', BASE_CLICKS, REUSE?.[1]);
  const big = await measure('', CLICKS, REUSE?.[0]);
  let ok = true;
  console.log(`\n${'query'.padEnd(44)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'base'.padStart(8)} ${'ratio'.padStart(6)}  result`);
  for (const [name, r] of big.results) {
    const b = base.results.get(name)!;
    const ratio = r.median / b.median;
    const pass = r.median < r.target && ratio <= 3;
    ok &&= r.same && b.same;
    console.log(
      `${name.padEnd(44)} ${r.median.toFixed(1).padStart(6)}ms ${r.p95.toFixed(1).padStart(6)}ms ${b.median.toFixed(1).padStart(6)}ms ${ratio.toFixed(2).padStart(6)}  ${pass ? 'PASS' : 'FAIL'} (< ${r.target} ms, ≤ 3×)${r.same && b.same ? '' : '  MISMATCH with raw clicks'}`,
    );
  }
  console.log(`\nrollup backfill: ${big.rollupSeconds.toFixed(1)} s for ${CLICKS} clicks (${base.rollupSeconds.toFixed(1)} s for ${BASE_CLICKS})`);
  console.log(
    `disk per million clicks: raw clicks ${big.clicksMbPerM.toFixed(1)} MB, rollups ${big.rollupsMbPerM.toFixed(1)} MB (${big.rollupRows} rollup rows)`,
  );
  return ok ? 0 : 1;
});
