import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { newOrganisation, seedInfluencer } from '../support/fixtures.ts';
import { earningsCsv, recordIngest, writeReport } from '../support/ingest.ts';
import { waitFor } from '../support/wait.ts';
import { LEVEL, LogCapture } from './support/logCapture.ts';
import { parseExposition, scrape } from './support/scrape.ts';

const db = testDb();
const capture = new LogCapture();
let app: Runtime & { url: string };

beforeAll(async () => {
  // npm start in one process: web and workers, so the workers' counters are on the web server's /metrics.
  // Feed sources are fetched from public addresses only; the polled test server is a loopback one, allowed here.
  app = (await startRuntime(testConfig({ FEED_POLL_ALLOW_PRIVATE: '127.0.0.1' }), { web: true, workers: true, log: capture.logger() })) as Runtime & {
    url: string;
  };
});
afterAll(async () => {
  await app.close();
  await db.destroy();
});

const row = (tag: string, asin: string, fees: string, returns = false) =>
  `Kitchen & Dining,Pan,${asin},Amazon.com,${tag},2022-03-02 10:00:00,10.00,${returns ? 0 : 1},${returns ? 1 : 0},${returns ? '-10.00' : '10.00'},${fees},DESKTOP`;

describe('when a report is ingested by the workers', () => {
  it('then one line says what it did, for whom, and how long it took, and the ingest counters move by as much', async () => {
    const organisationId = await newOrganisation(db);
    const a = await seedInfluencer(db, { organisationId });
    const b = await seedInfluencer(db, { organisationId });
    const tagA = a.trackingId.trackingId;
    const tagB = b.trackingId.trackingId;
    const file = writeReport(
      earningsCsv(
        ['2022-03-01', '2022-03-31'],
        [
          row(tagA, 'B0OBSERV01', '1.23'),
          row(tagA, 'B0OBSERV02', '-0.45', true),
          row(tagB, 'B0OBSERV03', '2.00'),
          'Kitchen,Pan,NOTANASIN!,Amazon.com,x-20,garbage,,,,,,',
        ],
      ),
    );
    const before = await scrape(app.url);
    const ingestId = await recordIngest(db, file, { organisationId });
    await app.queues.ingest.add('ingest', { ingestId }, { jobId: ingestId });

    const line = await capture.waitFor('ingest finished', { ingestId });
    expect(line).toMatchObject({
      level: LEVEL.info,
      ingestId,
      network: 'amazon',
      source: 'cli',
      status: 'succeeded',
      marketplace: 'US',
      counts: { rows: 4, accepted: 3, unchanged: 0, reversed: 1, rejected: 1, unattributed: 0 }, // the return row is a reversal
      organisationId,
      influencers: 2,
      attempt: '1/3',
    });
    expect(line.seconds).toEqual(expect.any(Number));
    expect(line.seconds as number).toBeGreaterThanOrEqual(0);
    expect(line.seconds as number).toBeLessThan(60);

    const after = await waitFor(
      () => scrape(app.url),
      (m) => m.value('affiliate_ingests_total', { outcome: 'succeeded' }) > before.value('affiliate_ingests_total', { outcome: 'succeeded' }),
    );
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
    expect(delta('affiliate_ingests_total', { outcome: 'succeeded' })).toBe(1);
    expect(delta('affiliate_ingests_total', { outcome: 'failed' })).toBe(0);
    expect(delta('affiliate_ingest_rows_total', { result: 'accepted' })).toBe(3);
    expect(delta('affiliate_ingest_rows_total', { result: 'reversed' })).toBe(1);
    expect(delta('affiliate_ingest_rows_total', { result: 'rejected' })).toBe(1);
    expect(delta('affiliate_ingest_duration_seconds_count')).toBe(1);

    // The influencers have no chat account: each notification is skipped, with a line saying why.
    for (const who of [a, b]) {
      expect(await capture.waitFor('notification skipped', { influencerId: who.influencer.id })).toMatchObject({
        level: LEVEL.info,
        outcome: 'skipped',
        reason: 'no chat identity',
        platform: null,
        attempts: 1,
      });
    }
    expect(capture.find('ingest finished', { ingestId })).toHaveLength(1);
  });

  it('then an attempt that will be retried is a warning with its attempt number, and the last failure one error line', async () => {
    const { trackingId, organisationId } = await seedInfluencer(db);
    const ingestId = await recordIngest(db, writeReport(earningsCsv(['2022-03-01', '2022-03-31'], [row(trackingId.trackingId, 'B0OBSERV04', '1.00')])), {
      organisationId,
    });
    // The stored copy vanishes (a disk wiped under the worker): not the sender's fault, so it is retried.
    const stored = await db.selectFrom('feed_ingests').select('file_path').where('id', '=', ingestId).executeTakeFirstOrThrow();
    rmSync(stored.file_path!);
    const before = await scrape(app.url);
    await app.queues.ingest.add('ingest', { ingestId }, { jobId: ingestId, attempts: 2, backoff: { type: 'fixed', delay: 10 } });

    const final = await capture.waitFor('ingest finished', { ingestId });
    expect(final).toMatchObject({
      level: LEVEL.error,
      status: 'failed',
      attempt: '2/2',
      network: 'amazon',
      organisationId,
      error: expect.stringMatching(/ENOENT|no such file/i),
    });
    const retries = capture.find('ingest attempt failed; will retry', { ingestId });
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ level: LEVEL.warn, attempt: '1/2' });
    expect(capture.find('ingest finished', { ingestId })).toHaveLength(1);

    const after = await waitFor(
      () => scrape(app.url),
      (m) => m.value('affiliate_ingests_total', { outcome: 'failed' }) > before.value('affiliate_ingests_total', { outcome: 'failed' }),
    );
    expect(after.value('affiliate_ingests_total', { outcome: 'failed' }) - before.value('affiliate_ingests_total', { outcome: 'failed' })).toBe(1);
  });
});

describe('when a report cannot be read at all', () => {
  it('then its one line is a warning with the reason, and it is counted as failed', async () => {
    const ingestId = await recordIngest(db, writeReport('hello,world\n1,2\n'), { organisationId: await newOrganisation(db) });
    const before = await scrape(app.url);
    await app.queues.ingest.add('ingest', { ingestId }, { jobId: ingestId });
    const line = await capture.waitFor('ingest finished', { ingestId });
    expect(line).toMatchObject({
      level: LEVEL.warn,
      status: 'failed',
      attempt: '1/3',
      counts: { rows: 0, accepted: 0 },
      error: expect.stringContaining('Not a recognisable Amazon report'),
    });
    const after = await waitFor(
      () => scrape(app.url),
      (m) => m.value('affiliate_ingests_total', { outcome: 'failed' }) > before.value('affiliate_ingests_total', { outcome: 'failed' }),
    );
    expect(after.value('affiliate_ingests_total', { outcome: 'failed' }) - before.value('affiliate_ingests_total', { outcome: 'failed' })).toBe(1);
    expect(capture.find('ingest attempt failed; will retry', { ingestId })).toHaveLength(0);
  });
});

describe('when a feed source is polled', () => {
  it('then the poll that fetched a file says so, and its ingest says where it came from', async () => {
    const { trackingId, organisationId } = await seedInfluencer(db);
    const csv = earningsCsv(['2022-05-01', '2022-05-31'], [row(trackingId.trackingId, 'B0OBSERV05', '3.00')]);
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(csv));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fee-earnings.csv`;
      const source = await db
        .insertInto('feed_sources')
        .values({
          organisation_id: organisationId,
          network: 'amazon',
          name: unique('obs-source'),
          url,
          cron: '0 6 * * *',
          marketplace: null,
          headers: null,
          last_polled_at: null,
          last_success_at: null,
          last_error: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await app.queues['feed-poll'].add('feed-poll', { feedSourceId: source.id });
      const polled = await capture.waitFor('feed polled', { feedSourceId: source.id });
      expect(polled).toMatchObject({
        level: LEVEL.info,
        network: 'amazon',
        host: new URL(url).host,
        bytes: Buffer.byteLength(csv),
        ingestId: expect.any(String),
      });
      const ingested = await capture.waitFor('ingest finished', { ingestId: polled.ingestId });
      expect(ingested).toMatchObject({ source: 'poll', status: 'succeeded', counts: { accepted: 1 } });
    } finally {
      server.close();
    }
  });
});

describe('when the workers run in a process of their own', () => {
  it('then METRICS_PORT serves their counters on /metrics, and nothing else', async () => {
    const worker = await startRuntime(testConfig({ METRICS_PORT: '0' }), { workers: true, log: new LogCapture().logger() });
    try {
      expect(worker.server).toBeUndefined();
      const res = await fetch(`${worker.metricsUrl}/metrics`);
      expect(res.status).toBe(200);
      const m = parseExposition(await res.text());
      expect(m.find('affiliate_ingests_total', { outcome: 'succeeded' })).toHaveLength(1);
      expect(m.find('affiliate_notifications_total', { outcome: 'sent' })).toHaveLength(1);
      expect(m.types.get('affiliate_queue_oldest_waiting_seconds')).toBe('gauge');
      expect((await fetch(`${worker.metricsUrl}/l/abc`)).status).toBe(404);
    } finally {
      await worker.close();
    }
  });
});
