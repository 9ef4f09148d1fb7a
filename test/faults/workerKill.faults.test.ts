// A worker process killed outright (SIGKILL: no shutdown, no rollback of its own) in the middle of a report, with the
// web and worker roles run as separate processes, as a scaled deployment runs them.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { testDb } from '../support/env.ts';
import { failOnUnheardErrors } from '../outages/support/unheard.ts';
import { recordFigures } from './support/figures.ts';
import { RedirectLoad } from './support/load.ts';
import { RedisServer } from './support/redisServer.ts';
import { feeEarningsReport } from './support/reports.ts';
import { startFaultService, statusOf, storageDir, type FaultService } from './support/service.ts';
import {
  clickBufferEmpty,
  clicksSettled,
  copyUnderWay,
  ingestOf,
  ledgerOf,
  newOrganisation,
  secondsToIngested,
  secondsToReady,
  seedLinks,
  upload,
} from './support/world.ts';

failOnUnheardErrors();
const ROWS = 25_000;
const db = testDb();
let redis: RedisServer;
let web: FaultService;
let workers: FaultService[];
let known: Array<{ code: string; id: number }>;

beforeAll(async () => {
  redis = await RedisServer.start({ persist: true });
  const common = { databaseUrl: inject('databaseUrl'), redisUrl: redis.url, queuePrefix: `${inject('queuePrefix')}_kill`, storageDir: storageDir() };
  [web, ...workers] = await Promise.all([
    startFaultService({ ...common, name: 'kill-web', role: 'web' }),
    startFaultService({ ...common, name: 'kill-w1', role: 'worker' }),
    startFaultService({ ...common, name: 'kill-w2', role: 'worker' }),
  ]);
  known = await seedLinks(db, 3);
  for (const l of known) expect(await statusOf(`${web.url}/l/${l.code}`)).toBe(302);
});
afterAll(async () => {
  await Promise.all([web, ...(workers ?? [])].filter(Boolean).map((s) => s.stop()));
  await redis?.destroy();
  await db.destroy();
});
afterEach(() => {
  for (const s of [web, ...workers]) expect(s.problems(), s.name).toEqual([]);
});

describe('when the worker writing a report is killed mid-file', () => {
  it('then the web process never notices, another worker takes the job up once its lock expires, and the ledger holds the file exactly once', async () => {
    const org = await newOrganisation(db, 'faults: worker killed');
    const report = feeEarningsReport('killed', ROWS);
    const load = new RedirectLoad(
      web.url,
      known.map((l) => l.code),
    ).start();
    const up = await upload(web.url, report.csv, org);
    expect(up.status).toBe(202);
    const victimName = await copyUnderWay(
      db,
      workers.map((w) => w.name),
    );
    const victim = workers.find((w) => w.name === victimName)!;
    const survivor = workers.find((w) => w !== victim)!;
    const at = Date.now();
    await victim.kill();
    expect(await statusOf(`${web.url}/healthz`)).toBe(200);
    const ready = await secondsToReady(web.url, at);
    const ingested = await secondsToIngested(db, [up.ingestId!], at, 60_000);
    const during = load.between(at, at + ingested * 1000);
    await load.stop();

    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((a) => a.status !== 302)).toEqual([]);
    expect(await ledgerOf(db, org)).toEqual({ cents: report.adFeesCents, lines: report.rows });
    expect((await ingestOf(db, up.ingestId!)).counts).toMatchObject({ rows: ROWS, accepted: ROWS, rejected: 0 });
    expect(survivor.logs().filter((l) => l.msg === 'ingest finished' && l.ingestId === up.ingestId)).toEqual([
      expect.objectContaining({ status: 'succeeded' }),
    ]);
    expect(survivor.alive() && web.alive()).toBe(true);
    const answered = load.redirected() + known.length;
    await clickBufferEmpty(web.url);
    const recorded = await clicksSettled(
      db,
      known.map((l) => l.id),
      answered,
    );
    expect(recorded).toBe(answered);
    workers = [survivor];
    recordFigures({
      fault: `worker process SIGKILLed mid-COPY of a ${ROWS.toLocaleString('en-US')}-row report (web and 2 workers as separate processes)`,
      redirectsDuringFault: { answered: during.filter((a) => a.status === 302).length, asked: during.length },
      clicks: { recorded, answered },
      secondsToReady: ready,
      secondsToIngested: ingested,
      ledger: { cents: (await ledgerOf(db, org)).cents, fileCents: report.adFeesCents },
      notes: 'the other worker took the stalled job up after its lock expired (JOB_LOCK_MS 3 s in the suite, 30 s by default)',
    });
  });
});
