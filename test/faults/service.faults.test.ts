// The service as `npm start` runs it (web and workers in one process, a child process of the suite) with Redis and
// Postgres taken from under it while followers click, reports are uploaded and ingested, and the job schedulers tick:
// Redis killed and brought back empty (no persistence: as after a failover to an empty replica, every queued job and
// job scheduler is gone), Postgres's connections terminated by the server, the network to Postgres cut, and stalled;
// then processors that throw, and hostile report files. The scenarios run in order against one service, which is
// never restarted: each one also shows it recovered from the one before.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeQueues, createQueues, type Queues } from '../../src/queues.ts';
import { createQueueConnection } from '../../src/redis.ts';
import { testDb } from '../support/env.ts';
import { jobFinished } from '../support/queues.ts';
import { waitFor } from '../support/wait.ts';
import { failOnUnheardErrors } from '../outages/support/unheard.ts';
import { recordFigures } from './support/figures.ts';
import { BASELINE_HOSTILE_FILES, HOSTILE_FILES } from './support/hostileFiles.ts';
import { RedirectLoad } from './support/load.ts';
import { RedisServer } from './support/redisServer.ts';
import type { Relay } from './support/relay.ts';
import { feeEarningsReport } from './support/reports.ts';
import { FEED_TOKEN, peakRssMb, startFaultService, statusOf, type FaultService } from './support/service.ts';
import {
  clickBufferDepth,
  clickBufferEmpty,
  clicksOf,
  clicksSettled,
  copyUnderWay,
  ingestOf,
  ledgerOf,
  newOrganisation,
  postgresRelay,
  readyz,
  secondsToIngested,
  secondsToReady,
  seedLinks,
  terminateBackends,
  upload,
} from './support/world.ts';

failOnUnheardErrors();
/** Rows of the reports whose ingest a fault interrupts: long enough to be caught mid-COPY. */
const ROWS = 25_000;
const db = testDb();
const prefix = `${inject('queuePrefix')}_svc`;
let redis: RedisServer;
let relay: Relay;
let svc: FaultService;
/** Links followers opened before the faults: in the process's memory. */
let known: Array<{ code: string; id: number }>;
/** Redirects of the known links answered so far (each GET answered 302 is one click to record). */
let answeredSoFar = 0;

beforeAll(async () => {
  redis = await RedisServer.start({ persist: false });
  const pg = await postgresRelay();
  relay = pg.relay;
  // A feed source, so the workers keep a job scheduler for it too (its cron never comes round during the suite).
  const org = await newOrganisation(db, 'faults: feed source');
  await db
    .insertInto('feed_sources')
    .values({
      organisation_id: org,
      network: 'amazon',
      name: 'faults',
      url: 'https://reports.example/fee-earnings.csv',
      cron: '0 6 1 1 *',
      marketplace: null,
      headers: null,
    })
    .execute();
  svc = await startFaultService({ name: 'svc', databaseUrl: pg.databaseUrl, redisUrl: redis.url, queuePrefix: prefix });
  known = await seedLinks(db, 3);
  for (const l of known) expect(await statusOf(`${svc.url}/l/${l.code}`)).toBe(302);
  answeredSoFar = known.length;
  recordedSoFar = await clicksSettled(
    db,
    known.map((l) => l.id),
    answeredSoFar,
  );
});
afterAll(async () => {
  await svc?.stop();
  await relay?.close();
  await redis?.destroy();
  await db.destroy();
});
afterEach(() => {
  expect(svc.problems()).toEqual([]);
});

/** Clicks of the known links recorded when the last scenario ended. */
let recordedSoFar = 0;
/**
 * Once the service's click buffer is empty: the clicks of the known links recorded since the last scenario, and the
 * redirects answered since (each GET answered 302 is one click). Over all scenarios the two must be equal.
 */
async function clicksAfter(load: RedirectLoad): Promise<{ recorded: number; answered: number }> {
  const answered = load.redirected();
  answeredSoFar += answered;
  await clickBufferEmpty(svc.url);
  const total = await clicksSettled(
    db,
    known.map((l) => l.id),
    answeredSoFar,
  );
  expect(total).toBe(answeredSoFar);
  const recorded = total - recordedSoFar;
  recordedSoFar = total;
  return { recorded, answered };
}

/** The test's own view of the service's queues (opened while Redis is up; closed after). */
async function withQueues<T>(fn: (queues: Queues) => Promise<T>): Promise<T> {
  const connection = createQueueConnection(redis.url);
  connection.on('error', () => undefined);
  const queues = createQueues(connection, prefix);
  try {
    return await fn(queues);
  } finally {
    await closeQueues(queues);
    await connection.quit();
  }
}

describe('when Redis stops in the middle of an ingest and comes back empty', () => {
  it('then redirects and click recording go on, uploads are refused in time, and once it is back the schedulers are set up again, the lost ingest is queued again, and every total is exact', async () => {
    const big = { org: await newOrganisation(db, 'faults: redis big'), report: feeEarningsReport('redisbig', 25_000) };
    const lost = { org: await newOrganisation(db, 'faults: redis lost'), report: feeEarningsReport('redislost', 2000) };
    const after = { org: await newOrganisation(db, 'faults: redis after'), report: feeEarningsReport('redisafter', 2000) };
    expect((await readyz(svc.url)).body.schedulers).toBe('ok');
    const load = new RedirectLoad(
      svc.url,
      known.map((l) => l.code),
    ).start();
    const first = await upload(svc.url, big.report.csv, big.org);
    expect(first.status).toBe(202);
    await copyUnderWay(db, ['svc']);
    // Queued behind the first (one ingest at a time per worker): its job exists only in Redis.
    const second = await upload(svc.url, lost.report.csv, lost.org);
    expect(second.status).toBe(202);

    const at = Date.now();
    await redis.stop('SIGKILL');
    expect(await statusOf(`${svc.url}/healthz`)).toBe(200);
    await waitFor(async () => svc.logs().some((l) => l.msg === 'redis unavailable'), Boolean, 10_000);
    expect(await readyz(svc.url)).toMatchObject({ status: 503, body: { postgres: 'ok', redis: expect.stringMatching(/^error/) } });
    const refused = await upload(svc.url, after.report.csv, after.org);
    expect(refused.status).toBe(503);
    expect(refused.ms).toBeLessThan(2000);
    // Clicks are still written (repeats judged in memory meanwhile), and the ingest in hand, which needs only
    // Postgres, finishes while Redis is away. Then Redis comes back, empty.
    const clicksAtStop = await clicksOf(
      db,
      known.map((l) => l.id),
    );
    await waitFor(
      () =>
        clicksOf(
          db,
          known.map((l) => l.id),
        ),
      (n) => n >= clicksAtStop + 300,
      20_000,
    );
    await waitFor(
      async () => (await ingestOf(db, first.ingestId!)).status,
      (s) => s === 'succeeded',
      30_000,
    );
    await redis.start();
    const back = Date.now();
    const ready = await secondsToReady(svc.url, back);
    const ingested = await secondsToIngested(db, [first.ingestId!, second.ingestId!], back);
    const during = load.between(at, back);

    const ok = await upload(svc.url, after.report.csv, after.org);
    expect(ok.status).toBe(202);
    await secondsToIngested(db, [ok.ingestId!], Date.now());
    await load.stop();

    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((a) => a.status !== 302)).toEqual([]);
    for (const { org, report } of [big, lost, after]) expect(await ledgerOf(db, org)).toEqual({ cents: report.adFeesCents, lines: report.rows });
    const recreated = svc.logs().find((l) => l.msg === 'job schedulers re-created');
    expect([...((recreated?.schedulers as string[]) ?? [])].sort()).toEqual(expect.arrayContaining(['digest-tick', 'earnings-rollup-tick', 'reconcile-tick']));
    expect(
      svc
        .logs()
        .filter((l) => l.msg === 'ingest re-queued: its job was lost')
        .map((l) => l.ingestId),
    ).toEqual([second.ingestId]);
    const schedulers = await withQueues(async (q) => ({
      fixed: await Promise.all([
        q['digest-tick'].getJobScheduler('digest-tick'),
        q['earnings-rollup'].getJobScheduler('earnings-rollup-tick'),
        q.reconcile.getJobScheduler('reconcile-tick'),
      ]),
      feeds: (await q['feed-poll'].getJobSchedulers()).map((s) => s.key),
    }));
    expect(schedulers.fixed.every(Boolean)).toBe(true);
    expect(schedulers.feeds).toHaveLength(1);

    const clicks = await clicksAfter(load);
    expect(clicks.recorded).toBe(clicks.answered);
    recordFigures({
      fault: `Redis killed mid-ingest, restarted empty after ${((back - at) / 1000).toFixed(1)} s`,
      redirectsDuringFault: { answered: during.filter((a) => a.status === 302).length, asked: during.length },
      clicks,
      secondsToReady: ready,
      secondsToIngested: ingested,
      ledger: {
        cents: (await ledgerOf(db, big.org)).cents + (await ledgerOf(db, lost.org)).cents,
        fileCents: big.report.adFeesCents + lost.report.adFeesCents,
      },
      notes: `upload 503 in ${Math.round(refused.ms)} ms; ${(recreated?.schedulers as string[]).length} job schedulers re-created; the queued ingest whose job was lost re-queued by the reconciler`,
    });
  });
});

describe("when Postgres terminates the service's connections in the middle of an ingest and of click flushes", () => {
  it("then the ingest attempt fails and is retried to exactly the file's Ad Fees, redirects never stop, and no click is lost or doubled", async () => {
    const org = await newOrganisation(db, 'faults: terminated');
    const report = feeEarningsReport('pgterm', ROWS);
    const load = new RedirectLoad(
      svc.url,
      known.map((l) => l.code),
    ).start();
    const up = await upload(svc.url, report.csv, org);
    expect(up.status).toBe(202);
    await copyUnderWay(db, ['svc']);
    const at = Date.now();
    const terminated = await terminateBackends(db, 'svc');
    expect(terminated).toBeGreaterThan(0);
    expect(await statusOf(`${svc.url}/healthz`)).toBe(200);
    const ready = await secondsToReady(svc.url, at);
    const ingested = await secondsToIngested(db, [up.ingestId!], at);
    const during = load.between(at, at + ingested * 1000);
    await load.stop();

    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((a) => a.status !== 302)).toEqual([]);
    expect(await ledgerOf(db, org)).toEqual({ cents: report.adFeesCents, lines: report.rows });
    expect((await ingestOf(db, up.ingestId!)).counts).toMatchObject({ rows: ROWS, accepted: ROWS, rejected: 0 });
    expect(svc.logs().some((l) => l.msg === 'ingest attempt failed; will retry' && l.ingestId === up.ingestId)).toBe(true);
    const clicks = await clicksAfter(load);
    expect(clicks.recorded).toBe(clicks.answered);
    recordFigures({
      fault: `Postgres terminates the service's ${terminated} connections (pg_terminate_backend) mid-COPY of a ${ROWS.toLocaleString('en-US')}-row report`,
      redirectsDuringFault: { answered: during.filter((a) => a.status === 302).length, asked: during.length },
      clicks,
      secondsToReady: ready,
      secondsToIngested: ingested,
      ledger: { cents: (await ledgerOf(db, org)).cents, fileCents: report.adFeesCents },
      notes: 'attempt 1 failed, retried after its 5 s back-off',
    });
  });
});

describe('when the network to Postgres is cut in the middle of an ingest and of click flushes', () => {
  it('then known links keep redirecting from memory, the rest answer 503 at once, /readyz says so, and once it is back the ingest completes exactly and every click is written', async () => {
    const org = await newOrganisation(db, 'faults: cut');
    const report = feeEarningsReport('pgcut', ROWS);
    const [cold] = await seedLinks(db, 1);
    const load = new RedirectLoad(
      svc.url,
      known.map((l) => l.code),
    ).start();
    const up = await upload(svc.url, report.csv, org);
    expect(up.status).toBe(202);
    await copyUnderWay(db, ['svc']);
    const at = Date.now();
    await relay.cut();
    expect(await statusOf(`${svc.url}/healthz`)).toBe(200);
    const t = performance.now();
    expect(await statusOf(`${svc.url}/l/${cold!.code}`)).toBe(503);
    const coldMs = performance.now() - t;
    expect(coldMs).toBeLessThan(1500);
    expect(
      await waitFor(
        () => readyz(svc.url),
        (r) => r.status === 503,
      ),
    ).toMatchObject({ body: { postgres: expect.stringMatching(/^error/), redis: 'ok' } });
    const refused = await upload(svc.url, feeEarningsReport('pgcut-refused', 10).csv, org);
    expect(refused.status).toBe(503);
    expect(refused.ms).toBeLessThan(2000);
    // Postgres comes back once the ingest's attempt has met the cut (its retry waits out its back-off) and clicks
    // have piled up in the buffer for want of Postgres (flushes failing, redirects answered all the same).
    await waitFor(
      async () => svc.logs().filter((l) => l.msg === 'ingest attempt failed; will retry' && l.ingestId === up.ingestId).length,
      (n) => n > 0,
      20_000,
    );
    const waiting = await clickBufferDepth(svc.url, (n) => n >= 150);
    await relay.open();
    const back = Date.now();
    const ready = await secondsToReady(svc.url, back);
    const ingested = await secondsToIngested(db, [up.ingestId!], back);
    const during = load.between(at, back);
    await load.stop();

    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((a) => a.status !== 302)).toEqual([]);
    expect(await statusOf(`${svc.url}/l/${cold!.code}`)).toBe(302);
    expect(await ledgerOf(db, org)).toEqual({ cents: report.adFeesCents, lines: report.rows });
    const clicks = await clicksAfter(load);
    expect(clicks.recorded).toBe(clicks.answered);
    recordFigures({
      fault: `network to Postgres cut (relay closed) mid-COPY, for ${((back - at) / 1000).toFixed(1)} s`,
      redirectsDuringFault: { answered: during.filter((a) => a.status === 302).length, asked: during.length },
      clicks,
      secondsToReady: ready,
      secondsToIngested: ingested,
      ledger: { cents: (await ledgerOf(db, org)).cents, fileCents: report.adFeesCents },
      notes: `${waiting} clicks waited in the buffer; cold link 503 in ${Math.round(coldMs)} ms; upload 503 in ${Math.round(refused.ms)} ms`,
    });
  });
});

describe('when Postgres stalls (the network holds every packet, nothing is refused)', () => {
  it('then a link in no cache answers 503 within the lookup timeout, uploads 503 within 2 s, known links keep redirecting, and it recovers by itself', async () => {
    const org = await newOrganisation(db, 'faults: stall');
    const [cold] = await seedLinks(db, 1);
    const load = new RedirectLoad(
      svc.url,
      known.map((l) => l.code),
    ).start();
    const at = Date.now();
    relay.pause();
    expect(await statusOf(`${svc.url}/healthz`)).toBe(200);
    let t = performance.now();
    expect(await statusOf(`${svc.url}/l/${cold!.code}`)).toBe(503);
    const coldMs = performance.now() - t;
    expect(coldMs).toBeLessThan(1500);
    const refused = await upload(svc.url, feeEarningsReport('pgstall', 10).csv, org);
    expect(refused.status).toBe(503);
    expect(refused.ms).toBeLessThan(2000);
    t = performance.now();
    expect(await readyz(svc.url)).toMatchObject({ status: 503, body: { postgres: expect.stringMatching(/timed out/) } });
    const readyMs = performance.now() - t;
    relay.resume();
    const back = Date.now();
    const ready = await secondsToReady(svc.url, back);
    const during = load.between(at, back);
    await load.stop();

    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((a) => a.status !== 302)).toEqual([]);
    expect(await statusOf(`${svc.url}/l/${cold!.code}`)).toBe(302);
    const ok = await upload(svc.url, feeEarningsReport('pgstall-after', 10).csv, org);
    expect(ok.status).toBe(202);
    await secondsToIngested(db, [ok.ingestId!], back);
    const clicks = await clicksAfter(load);
    expect(clicks.recorded).toBe(clicks.answered);
    recordFigures({
      fault: `Postgres stalled (relay paused: packets held) for ${((back - at) / 1000).toFixed(1)} s`,
      redirectsDuringFault: { answered: during.filter((a) => a.status === 302).length, asked: during.length },
      clicks,
      secondsToReady: ready,
      secondsToIngested: null,
      ledger: null,
      notes: `cold link 503 in ${Math.round(coldMs)} ms; upload 503 in ${Math.round(refused.ms)} ms; /readyz 503 in ${Math.round(readyMs)} ms`,
    });
  });
});
describe("when a job's processor throws", () => {
  it('then that job fails and nothing else: redirects keep answering and the process stays up', async () => {
    const load = new RedirectLoad(
      svc.url,
      known.map((l) => l.code),
    ).start();
    const states = await withQueues(async (q) => {
      const poll = await q['feed-poll'].add('feed-poll', { feedSourceId: 987_654_321 }, { attempts: 1 });
      const ingest = await q.ingest.add(
        'ingest',
        { ingestId: '00000000-0000-4000-8000-000000000000' },
        { jobId: '00000000-0000-4000-8000-000000000000', attempts: 1 },
      );
      return [await jobFinished(q['feed-poll'], poll.id!), await jobFinished(q.ingest, ingest.id!)];
    });
    await load.stop();
    expect(states).toEqual(['failed', 'failed']);
    expect(load.answers.length).toBeGreaterThan(0);
    expect(load.answers.filter((a) => a.status !== 302)).toEqual([]);
    expect(svc.alive()).toBe(true);
    const clicks = await clicksAfter(load);
    expect(clicks.recorded).toBe(clicks.answered);
  });
});

describe('when hostile report files are uploaded (crafted ZIP and XLSX bombs among them)', () => {
  for (const file of [...BASELINE_HOSTILE_FILES, ...HOSTILE_FILES]) {
    it(`then ${file.name} ends its ingest ${file.expect.status} in time, memory stays bounded, and redirects keep answering`, async () => {
      const org = await newOrganisation(db, `faults: ${file.name}`);
      const load = new RedirectLoad(
        svc.url,
        known.map((l) => l.code),
      ).start();
      const uploadedAt = Date.now();
      const res = await fetch(`${svc.url}/api/feeds/amazon?org=${org}`, {
        method: 'POST',
        body: await file.body(),
        headers: { authorization: `Bearer ${FEED_TOKEN}` },
      });
      expect(res.status).toBe(202);
      const { ingestId } = (await res.json()) as { ingestId: string };
      const done = await waitFor(
        () => ingestOf(db, ingestId),
        (i) => i.status === 'failed' || i.status === 'succeeded',
        file.withinMs ?? 20_000,
      );
      await load.stop();
      expect(done.status).toBe(file.expect.status);
      if (file.expect.error) expect(done.error).toMatch(file.expect.error);
      if (done.status === 'failed') expect(done.error).toBeTruthy();
      expect(peakRssMb(svc)).toBeLessThan(file.maxRssMb ?? 768);
      expect(load.answers.filter((a) => a.status !== 302)).toEqual([]);
      expect(svc.alive()).toBe(true);
      recordFigures({
        fault: `hostile report file: ${file.name}`,
        redirectsDuringFault: { answered: load.redirected(), asked: load.answers.length },
        clicks: await clicksAfter(load),
        secondsToReady: 0,
        secondsToIngested: (Date.now() - uploadedAt) / 1000,
        ledger: null,
        notes: `ingest ${done.status}${done.error ? `: "${String(done.error).slice(0, 80)}"` : ''}; service peak RSS ${Math.round(peakRssMb(svc))} MB`,
      });
    });
  }
});
