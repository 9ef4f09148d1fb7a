// `npm run bench:notify`: commission notifications for 10,000 influencers after one ingest, against a fake Slack Web
// API that enforces one message per second per channel: messages sent, 429s, duplicates, and the total time against
// the floor the rate limits allow.
//
// What it does, in order:
//  1. creates a throwaway database (affiliate_bench_notify_<timestamp>_<pid>) and migrates it; picks a unique
//     QUEUE_PREFIX so no other worker on the machine takes the bench's jobs;
//  2. bulk-inserts (plain SQL, a handful of statements) one organisation (an agency: the report is its own, and money
//     is credited only inside the organisation whose report it is) with Slack workspaces of 100 influencers each,
//     and per influencer a tracking ID, a storefront and a Slack identity. Most influencers keep the default
//     destination (a DM: one channel each); BENCH_CHANNEL_SHARE of them, spread evenly, chose `/storefront notify
//     channel` to one of BENCH_CHANNELS shared team channels, so the per-channel limit binds: the floor is
//     max over channels of (messages in that channel − 1) × 1 s;
//  3. starts bench/fakeChatApi.ts in a child process (its own event loop), then the real workers in this process
//     (startRuntime with workers, Slack pointed at the fake);
//  4. writes a Fee-Earnings CSV with one row per influencer's tracking ID, stores it and records the ingest the way
//     the CLI does, and queues it on the ingest queue: the ingest worker fills the ledger and queues one notify job per
//     influencer; the clock starts when the ingest is queued;
//  5. waits until every delivery in notification_deliveries is 'sent' (or BENCH_TIMEOUT_SECONDS), then a little more
//     so a late duplicate would still show, and reads the fake's counters (GET /stats);
//  6. prints the figures and PASS/FAIL lines; drops the database (WITH (FORCE)), deletes the prefix's Redis keys and
//     the temp dir, and kills the fake on every exit path.
//
// Env: BENCH_INFLUENCERS (10000), BENCH_CHANNEL_SHARE (0.2 = 2,000 of 10,000 post to shared channels),
// BENCH_CHANNELS (20), BENCH_TIMEOUT_SECONDS (max(600, 3 × floor + 300)), BENCH_DATABASE_SERVER
// (postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL (REDIS_URL or redis://127.0.0.1:6379).
// Exit code: 0 when every influencer was notified exactly once (one delivery 'sent', one message in the right channel)
// and no message was duplicated; 1 otherwise. 429s after warm-up and time against the floor are printed as PASS/FAIL
// but not asserted: a shared 2-core machine is too noisy for that.
import { alive, children, cleanups, machineBusyMs, procCpuMs, productionSecrets, removeRedisPrefixOnExit, runBench, throwawayDatabase } from './support.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { poolOf, type Db } from '../src/db/database.ts';
import { createIngest } from '../src/domain/ingest/ingests.ts';
import { storeLocalFile } from '../src/domain/ingest/storeFile.ts';
import { createLogger } from '../src/log.ts';
import { startRuntime, type Runtime } from '../src/runtime.ts';
import { withTimeout } from '../src/timeout.ts';
import type { Stats } from './fakeChatApi.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function numEnv(name: string, def: number, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw);
  const { integer = true, min = 1, max = Infinity } = opts;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${raw}"`);
  }
  return n;
}

const INFLUENCERS = numEnv('BENCH_INFLUENCERS', 10_000);
const CHANNEL_SHARE = numEnv('BENCH_CHANNEL_SHARE', 0.2, { integer: false, min: 0, max: 1 });
const CHANNELS = numEnv('BENCH_CHANNELS', 20);
const TEAM_SIZE = 100;
const WARM_MS = 5000;
const WINDOW_MS = 1000; // the fake's per-channel window
const PG_SERVER = (process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOST = '127.0.0.1';
const BOT_TOKEN = 'xoxb-bench-notify';

// ---------------------------------------------------------------------------------------------------------------

/** Starts the fake chat API in its own process and resolves with its base URL once it listens. */
function startFake(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fakeChatApi.ts'], {
    cwd: ROOT,
    env: { ...process.env, FAKE_HOST: HOST, FAKE_PORT: '0', FAKE_WINDOW_MS: String(WINDOW_MS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.stderr.setEncoding('utf8').on('data', (s: string) => process.stderr.write(s.replace(/^(?=.)/gm, '[fake] ')));
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('the fake chat API did not start listening within 20 s')), 20_000);
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      buf += s;
      const m = /listening (\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: `http://${HOST}:${m[1]}` });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the fake chat API exited with code ${code} before listening`));
    });
  });
}

async function fakeStats(url: string): Promise<Stats> {
  const res = await fetch(`${url}/stats`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url}/stats answered ${res.status}`);
  return (await res.json()) as Stats;
}

// ---------------------------------------------------------------------------------------------------------------
// Seed: organisations, workspaces, influencers, tracking IDs, storefronts, identities and channel preferences.

interface Seeded {
  /** The agency whose report it is. */
  organisationId: number;
  /** influencer id → the Slack channel its notification must land in (D<user> for DMs). */
  expectedChannel: Map<number, string>;
  /** Messages per shared channel. */
  perChannel: Map<string, number>;
  seconds: number;
}

async function seed(db: Db): Promise<Seeded> {
  const t = performance.now();
  const pool = poolOf(db);
  const teams = Math.ceil(INFLUENCERS / TEAM_SIZE);
  const org = (await pool.query<{ id: string }>(`INSERT INTO organisations (name) VALUES ('Bench agency') RETURNING id`)).rows[0]!.id;
  await pool.query(
    `INSERT INTO slack_workspaces (team_id, organisation_id, name, bot_user_id) SELECT 'TBENCH' || g, $2, 'Bench team ' || g, 'UBOT' FROM generate_series(1, $1) g`,
    [teams, org],
  );
  await pool.query(
    `INSERT INTO influencers (organisation_id, handle, display_name) SELECT $2, 'bench' || lpad(g::text, 6, '0'), 'Bench ' || g FROM generate_series(1, $1) g ORDER BY g`,
    [INFLUENCERS, org],
  );
  await pool.query(
    `INSERT INTO tracking_ids (tracking_id, marketplace, influencer_id, is_default) SELECT handle || '-20', 'US', id, true FROM influencers ORDER BY id`,
  );
  await pool.query(`INSERT INTO storefronts (influencer_id) SELECT id FROM influencers ORDER BY id`);
  await pool.query(
    `INSERT INTO platform_identities (platform, workspace_id, user_id, organisation_id, influencer_id, display_name, timezone)
     SELECT 'slack', 'TBENCH' || ((row_number() OVER (ORDER BY id) - 1) / $1 + 1), 'UB' || lpad(id::text, 8, '0'), organisation_id, id, display_name, 'UTC' FROM influencers ORDER BY id`,
    [TEAM_SIZE],
  );
  const { rows } = await pool.query<{ id: string; user_id: string }>(
    `SELECT i.id, p.user_id FROM influencers i JOIN platform_identities p ON p.influencer_id = i.id ORDER BY i.id`,
  );
  if (rows.length !== INFLUENCERS) throw new Error(`seeded ${rows.length} influencers, expected ${INFLUENCERS}`);

  // Shared channels: BENCH_CHANNEL_SHARE of the influencers, spread evenly over the list, round-robin over the channels.
  const onChannels = Math.round(INFLUENCERS * CHANNEL_SHARE);
  const channelIds: number[] = [];
  const channelOf: string[] = [];
  const expectedChannel = new Map<number, string>(rows.map((r) => [Number(r.id), `D${r.user_id}`]));
  const perChannel = new Map<string, number>();
  for (let k = 0; k < onChannels; k++) {
    const id = Number(rows[Math.floor((k * INFLUENCERS) / onChannels)]!.id);
    const channel = `CTEAM${String(k % CHANNELS).padStart(3, '0')}`;
    channelIds.push(id);
    channelOf.push(channel);
    expectedChannel.set(id, channel);
    perChannel.set(channel, (perChannel.get(channel) ?? 0) + 1);
  }
  await pool.query(
    `INSERT INTO notification_preferences (influencer_id, destination, platform, workspace_id, channel_id, user_id)
     SELECT c.id, 'channel', 'slack', p.workspace_id, c.channel, p.user_id
       FROM unnest($1::bigint[], $2::text[]) AS c(id, channel)
       JOIN platform_identities p ON p.influencer_id = c.id`,
    [channelIds, channelOf],
  );
  await pool.query('ANALYZE');
  return { organisationId: Number(org), expectedChannel, perChannel, seconds: (performance.now() - t) / 1000 };
}

/** One Fee-Earnings row per influencer's tracking ID: every influencer has exactly one new ledger line. */
function writeEarningsCsv(file: string): void {
  const lines = [
    'Fee-Earnings reports from 03-01-2022 to 03-31-2022',
    'Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price($),Items Shipped,Returns,Revenue($),Ad Fees($),Device Type Group',
  ];
  for (let g = 1; g <= INFLUENCERS; g++) {
    const cents = 1000 + ((g * 7919) % 9000);
    const fee = Math.round(cents * 0.03);
    const money = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
    const day = String(1 + (g % 28)).padStart(2, '0');
    lines.push(
      `Home & Kitchen,"Bench Water Bottle ${g % 97}, 2 Pack",B0BENCH${String(g % 1000).padStart(3, '0')},Amazon.com,bench${String(g).padStart(6, '0')}-20,2022-03-${day} 10:00:00,${money(cents)},1,0,${money(cents)},${money(fee)},DESKTOP`,
    );
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const stamp = `${Date.now()}_${process.pid}`;
  const dbName = `affiliate_bench_notify_${stamp}`;
  const databaseUrl = `${PG_SERVER}/${dbName}`;
  const prefix = `bench_notify_${stamp}`;
  console.log(
    `notify bench: ${INFLUENCERS.toLocaleString('en-US')} influencers, ${(CHANNEL_SHARE * 100).toFixed(0)}% on ${CHANNELS} shared channels, the rest by DM`,
  );
  console.log(`database ${dbName}, queue prefix ${prefix}`);

  const tmp = await mkdtemp(path.join(tmpdir(), 'bench-notify-'));
  cleanups.push({ what: `remove ${tmp}`, run: () => rm(tmp, { recursive: true, force: true }) });
  removeRedisPrefixOnExit(REDIS_URL, prefix);

  const db = await throwawayDatabase(PG_SERVER, dbName);

  const seeded = await seed(db);
  const counts = [...seeded.perChannel.values()];
  const floorS = counts.length ? ((Math.max(...counts) - 1) * WINDOW_MS) / 1000 : 0;
  const dms = INFLUENCERS - counts.reduce((a, b) => a + b, 0);
  console.log(
    `seeded in ${seeded.seconds.toFixed(1)} s: ${dms} DM destinations (one channel each), ${seeded.perChannel.size} shared channels with ${counts.length ? `${Math.min(...counts)}–${Math.max(...counts)}` : 0} messages each`,
  );
  console.log(`floor: max over channels of (messages − 1) × ${WINDOW_MS / 1000} s = ${floorS.toFixed(0)} s`);

  const fake = await startFake();
  cleanups.push({
    what: 'stop the fake chat API',
    run: async () => {
      if (alive(fake.child)) fake.child.kill('SIGTERM');
    },
  });

  const config = loadConfig({
    NODE_ENV: 'production',
    ...productionSecrets(),
    PUBLIC_BASE_URL: 'https://links.bench.test',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: `${fake.url}/api/`,
    FEED_STORAGE_DIR: path.join(tmp, 'storage'),
  });
  const rt: Runtime = await startRuntime(config, { workers: true, log: createLogger(config.LOG_LEVEL) });
  cleanups.push({ what: 'stop workers', run: () => withTimeout(rt.close(), 20_000, 'closing the runtime') });

  const file = path.join(tmp, 'fee-earnings.csv');
  writeEarningsCsv(file);
  const stored = await storeLocalFile(file, config.FEED_STORAGE_DIR, config.FEED_MAX_BYTES);
  const ingestId = await createIngest(db, {
    organisationId: seeded.organisationId,
    network: 'amazon',
    source: 'cli',
    filePath: stored.path,
    fileName: 'fee-earnings.csv',
    sha256: stored.sha256,
    byteSize: stored.bytes,
    marketplace: null,
  });

  const timeoutS = numEnv('BENCH_TIMEOUT_SECONDS', Math.max(600, Math.ceil(3 * floorS + 300)));
  const cpu0 = { self: process.cpuUsage(), fake: procCpuMs(fake.child.pid), machine: machineBusyMs() };
  const t0 = Date.now();
  await rt.queues.ingest.add('ingest', { ingestId }, { jobId: ingestId });

  // Wait for every delivery to be sent.
  let lastPrint = 0;
  let done = false;
  let ingestFailed: string | null = null;
  while (Date.now() - t0 < timeoutS * 1000) {
    await new Promise((r) => setTimeout(r, 500));
    const ingest = await db.selectFrom('feed_ingests').select(['status', 'error']).where('id', '=', ingestId).executeTakeFirstOrThrow();
    if (ingest.status === 'failed') {
      ingestFailed = ingest.error ?? 'failed';
      break;
    }
    const byStatus = await db
      .selectFrom('notification_deliveries')
      .select(['status', sql<number>`count(*)::int`.as('n')])
      .groupBy('status')
      .execute();
    const n = (s: string) => byStatus.find((r) => r.status === s)?.n ?? 0;
    done = n('sent') + n('failed') + n('skipped') >= INFLUENCERS;
    if (Date.now() - lastPrint >= 10_000 || done) {
      lastPrint = Date.now();
      const jobs = await rt.queues.notify.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
      const s = await fakeStats(fake.url);
      console.log(
        `  t=${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s  ingest ${ingest.status}  deliveries sent ${n('sent')}/${INFLUENCERS} claimed ${n('claimed')} failed ${n('failed')} skipped ${n('skipped')}` +
          `  notify jobs waiting ${jobs.waiting} delayed ${jobs.delayed} active ${jobs.active} completed ${jobs.completed}  fake: ${s.sent} sent, ${s.rateLimited} 429s`,
      );
    }
    if (done) break;
  }
  const waitedS = (Date.now() - t0) / 1000;
  // A duplicate sent late (a job retried after its message went out) would land now: give it a moment.
  await new Promise((r) => setTimeout(r, 3000));
  const selfUsage = process.cpuUsage(cpu0.self);
  const wallMs = Date.now() - t0;
  const cpu = {
    selfMs: (selfUsage.user + selfUsage.system) / 1000,
    fakeMs: (procCpuMs(fake.child.pid) ?? NaN) - (cpu0.fake ?? NaN),
    machineMs: (machineBusyMs() ?? NaN) - (cpu0.machine ?? NaN),
  };
  const stats = await fakeStats(fake.url);

  // Database side: one 'sent' delivery per influencer, and when the ingest finished.
  const deliveries = await db.selectFrom('notification_deliveries').select(['key', 'influencer_id', 'status', 'sent_at', 'attempts', 'error']).execute();
  const ingestRow = await db
    .selectFrom('feed_ingests')
    .select(['status', 'started_at', 'finished_at', 'counts'])
    .where('id', '=', ingestId)
    .executeTakeFirstOrThrow();
  const sentRows = deliveries.filter((d) => d.status === 'sent');
  const lastSentAt = sentRows.length ? Math.max(...sentRows.map((d) => d.sent_at!.getTime())) : NaN;
  const notifiedOnce = new Map<number, number>();
  for (const d of sentRows) notifiedOnce.set(d.influencer_id!, (notifiedOnce.get(d.influencer_id!) ?? 0) + 1);

  // Fake side: every key exactly once, in the influencer's channel.
  const keyRe = /^commission:([^:]+):(\d+)$/;
  let duplicates = 0;
  let wrongChannel = 0;
  let foreignKeys = 0;
  const messagesPerInfluencer = new Map<number, number>();
  for (const [key, count, channels] of stats.byKey) {
    duplicates += count - 1;
    const m = keyRe.exec(key);
    if (!m || m[1] !== ingestId) {
      foreignKeys++;
      continue;
    }
    const id = Number(m[2]);
    messagesPerInfluencer.set(id, (messagesPerInfluencer.get(id) ?? 0) + count);
    if (channels !== seeded.expectedChannel.get(id)) wrongChannel++;
  }
  let exactlyOnce = 0;
  for (const id of seeded.expectedChannel.keys()) if (messagesPerInfluencer.get(id) === 1 && notifiedOnce.get(id) === 1) exactlyOnce++;

  const firstPost = stats.firstPostAt ?? NaN;
  const warmed429 = stats.rateLimitedAt.filter((at) => at - firstPost >= WARM_MS).length;
  const totalS = (lastSentAt - t0) / 1000;
  const ingestS = ingestRow.finished_at ? (ingestRow.finished_at.getTime() - t0) / 1000 : NaN;
  const sendS = (lastSentAt - firstPost) / 1000;
  const busy = stats.busyChannels.filter((c) => c.channel.startsWith('C'));
  const spans = busy.map((c) => c.spanMs / 1000 / Math.max(1, c.sent - 1)).sort((a, b) => a - b);
  const minGap = busy.length ? Math.min(...busy.map((c) => c.minGapMs)) : NaN;
  const dm429 = stats.busyChannels.filter((c) => c.channel.startsWith('D')).reduce((n, c) => n + c.rateLimited, 0);
  const attempts = deliveries.reduce((n, d) => n + d.attempts, 0);

  const fmt = (n: number) => n.toLocaleString('en-US');
  console.log('');
  const rows: Array<[string, string]> = [
    ['influencers notified exactly once', `${fmt(exactlyOnce)} / ${fmt(INFLUENCERS)}`],
    [
      'deliveries sent (notification_deliveries)',
      `${fmt(sentRows.length)} (${deliveries.length - sentRows.length} not sent; ${fmt(attempts)} send attempts recorded)`,
    ],
    ['messages sent (fake chat.postMessage accepted)', fmt(stats.sent)],
    ['429s received (total)', fmt(stats.rateLimited)],
    [`429s received after warm-up (> ${WARM_MS / 1000} s after the first message)`, `${fmt(warmed429)}${dm429 ? ` (${dm429} in DM channels)` : ''}`],
    ['duplicates (same key delivered more than once)', fmt(duplicates)],
    ['messages in the wrong channel / unknown keys / without key', `${wrongChannel} / ${foreignKeys} / ${stats.withoutKey}`],
    ['total time (ingest queued → last delivery sent)', `${totalS.toFixed(1)} s`],
    ['  of which ingest (queued → ledger committed)', `${ingestS.toFixed(1)} s`],
    ['  sending (first message → last delivery sent)', `${sendS.toFixed(1)} s`],
    ['floor (max over channels of (messages − 1) × 1 s)', `${floorS.toFixed(0)} s`],
    ['total time / floor', floorS > 0 ? `${(totalS / floorS).toFixed(2)}×` : 'n/a'],
    ['sending time / floor', floorS > 0 ? `${(sendS / floorS).toFixed(2)}×` : 'n/a'],
    [
      'shared channels: s per message (min / median / max)',
      spans.length ? `${spans[0]!.toFixed(3)} / ${spans[Math.floor(spans.length / 2)]!.toFixed(3)} / ${spans[spans.length - 1]!.toFixed(3)}` : 'n/a',
    ],
    ['shared channels: smallest gap between two messages', busy.length ? `${minGap} ms` : 'n/a'],
    [
      'API calls',
      Object.entries(stats.calls)
        .map(([m, n]) => `${m} ${fmt(n)}`)
        .join(', '),
    ],
    [
      'CPU s: workers (this process) / fake API / rest',
      `${(cpu.selfMs / 1000).toFixed(1)} / ${(cpu.fakeMs / 1000).toFixed(1)} / ${(Math.max(0, cpu.machineMs - cpu.selfMs - cpu.fakeMs) / 1000).toFixed(1)}`,
    ],
    [
      'cores busy on average: workers / fake / rest',
      `${(cpu.selfMs / wallMs).toFixed(2)} / ${(cpu.fakeMs / wallMs).toFixed(2)} / ${(Math.max(0, cpu.machineMs - cpu.selfMs - cpu.fakeMs) / wallMs).toFixed(2)} of ${availableParallelism()} ("rest": Postgres, Redis, other users)`,
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);

  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const allSent = done && !ingestFailed && sentRows.length === INFLUENCERS;
  const onceOk = allSent && exactlyOnce === INFLUENCERS && stats.sent === INFLUENCERS && wrongChannel === 0 && foreignKeys === 0 && stats.withoutKey === 0;
  const ratioTarget = 1.1;
  console.log('');
  if (ingestFailed) console.log(`FAIL  ingest failed: ${ingestFailed}`);
  if (!done) console.log(`FAIL  not every delivery was sent within ${timeoutS} s (waited ${waitedS.toFixed(0)} s)`);
  console.log(`${verdict(duplicates === 0)}  duplicates: ${duplicates} (must be 0)`);
  console.log(
    `${verdict(onceOk)}  every influencer notified exactly once: ${fmt(exactlyOnce)} of ${fmt(INFLUENCERS)}, ${fmt(stats.sent)} messages, ${wrongChannel} in the wrong channel`,
  );
  console.log(`${verdict(warmed429 === 0)}  429s after warm-up: ${warmed429} (target 0) [reported, not asserted]`);
  if (floorS > 0)
    console.log(
      `${verdict(allSent && totalS <= floorS * ratioTarget)}  total time ${totalS.toFixed(1)} s vs floor ${floorS.toFixed(0)} s: ${(totalS / floorS).toFixed(2)}× (target ≤ ${ratioTarget}×)${allSent ? '' : ', incomplete run'} [reported, not asserted]`,
    );
  return duplicates === 0 && onceOk ? 0 : 1;
}

await runBench(main);
