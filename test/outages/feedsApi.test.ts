import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createFeedToken } from '../../src/domain/feeds/feedTokens.ts';
import { feedsRouter } from '../../src/http/feedsRouter.ts';
import { createLogger } from '../../src/log.ts';
import { createProducerQueue, type QueuePayloads } from '../../src/queues.ts';
import { createProducerConnection } from '../../src/redis.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { earningsCsv } from '../support/ingest.ts';
import { waitFor } from '../support/wait.ts';
import { RedisServer } from '../faults/support/redisServer.ts';
import { Relay } from '../faults/support/relay.ts';
import { failOnUnheardErrors } from './support/unheard.ts';

failOnUnheardErrors();
const TOKEN = 'outage-feed-token-0123456789';
const db = testDb();
const storages: string[] = [];
afterAll(async () => {
  for (const dir of storages) rmSync(dir, { recursive: true, force: true });
  await db.destroy();
});

const report = () =>
  earningsCsv(['2021-10-01', '2021-10-31'], [`Toys & Games,Kite,B000000050,Amazon.com,${unique('out')}-20,2021-10-02 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`]);

/** POSTs a report; the status, the body and how long the answer took (ms). */
async function upload(url: string, token: string, org?: number) {
  const t = performance.now();
  const res = await fetch(`${url}/api/feeds/amazon${org === undefined ? '' : `?org=${org}`}`, {
    method: 'POST',
    body: report(),
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(20_000),
  });
  const body = (await res.json()) as { ingestId?: string; error?: string };
  return { status: res.status, body, ms: performance.now() - t };
}

const ingestsOf = (organisationId: number) =>
  db.selectFrom('feed_ingests').select(['id', 'status', 'error']).where('organisation_id', '=', organisationId).execute();

async function startApp(overrides: Record<string, string>) {
  const storage = mkdtempSync(path.join(tmpdir(), 'outage-feeds-'));
  storages.push(storage);
  const app = (await startRuntime(testConfig({ FEED_API_TOKEN: TOKEN, FEED_STORAGE_DIR: storage, ...overrides }), {
    web: true,
    log: createLogger('silent'),
  })) as Runtime & { url: string };
  return { app, storage };
}

describe('when Redis is away and a report is posted', () => {
  it('then the feeds API answers 503 within 2 s, stores nothing, and takes reports again once Redis is back', async () => {
    const redis = await RedisServer.start();
    const { app, storage } = await startApp({ REDIS_URL: redis.url });
    const org = await newOrganisation(db);
    try {
      await redis.stop();
      await waitFor(
        async () => app.redis.status,
        (s) => s !== 'ready',
      );
      for (let i = 0; i < 3; i++) {
        const r = await upload(app.url, TOKEN, org);
        expect(r.status).toBe(503);
        expect(r.body.error).toMatch(/try again/);
        expect(r.ms).toBeLessThan(2000);
      }
      expect(readdirSync(storage)).toEqual([]);
      expect(await ingestsOf(org)).toEqual([]);

      await redis.start();
      // Each try carries what the service's Redis connections say, so a failure tells which one did not come back.
      const ok = await waitFor(
        async () => ({ ...(await upload(app.url, TOKEN, org)), server: redis.running, port: redis.port, main: app.redis.status }),
        (r) => r.status === 202,
        15_000,
      );
      expect(await ingestsOf(org)).toEqual([expect.objectContaining({ id: ok.body.ingestId, status: 'queued' })]);
    } finally {
      await app.close();
      await redis.destroy();
    }
  });
});

describe('when Redis stalls just as the feeds API starts its queue', () => {
  it('then uploads are queued again once Redis answers (the queue does not keep its failed start)', async () => {
    const redis = await RedisServer.start();
    const relay = await Relay.start({ host: '127.0.0.1', port: redis.port });
    const connection = createProducerConnection(relay.via(redis.url));
    connection.on('error', () => undefined);
    let queue: ReturnType<typeof createProducerQueue> | undefined;
    try {
      await waitFor(
        async () => connection.status,
        (s) => s === 'ready',
      );
      relay.pause();
      queue = createProducerQueue(connection, unique('stall'), () => undefined);
      // Held past the connection's command timeout (1.5 s): anything the queue asked Redis while starting has failed.
      await new Promise((r) => setTimeout(r, 2000));
      relay.resume();
      const added = await waitFor(
        () =>
          queue!.add('ingest', { ingestId: 'after' }, { jobId: 'after' }).then(
            (job) => job.id,
            (err: unknown) => `refused: ${(err as Error).message}`,
          ),
        (id) => !id?.startsWith('refused'),
      );
      expect(added).toBe('after');
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await queue?.close().catch(() => undefined);
      connection.disconnect();
      await relay.close();
      await redis.destroy();
    }
  });
});

describe('when Postgres is away or stalled and the feeds API is asked', () => {
  it('then uploads and status reads answer 503 within 2 s, for the operator and for an organisation token alike', async () => {
    const target = new URL(inject('databaseUrl'));
    const relay = await Relay.start({ host: target.hostname, port: Number(target.port || 5432) });
    const org = await newOrganisation(db);
    const { token: orgToken } = await createFeedToken(db, { organisationId: org, name: unique('tok') });
    const { app, storage } = await startApp({ DATABASE_URL: relay.via(inject('databaseUrl')) });
    try {
      const first = await upload(app.url, orgToken);
      expect(first.status).toBe(202);
      const statusOf = async (token: string) => {
        const t = performance.now();
        const res = await fetch(`${app.url}/api/feeds/ingests/${first.body.ingestId}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(20_000),
        });
        await res.arrayBuffer();
        return { status: res.status, ms: performance.now() - t };
      };
      const before = readdirSync(storage).length;
      for (const [fault, start, end] of [
        ['cut', () => relay.cut(), () => relay.open()],
        ['stall', () => relay.pause(), () => relay.resume()],
      ] as const) {
        await start();
        for (const [who, token, query] of [
          ['operator', TOKEN, org],
          ['organisation', orgToken, undefined],
        ] as const) {
          const r = await upload(app.url, token, query);
          expect({ fault, who, status: r.status }).toEqual({ fault, who, status: 503 });
          expect(r.ms, `${fault}, ${who}`).toBeLessThan(2000);
          const s = await statusOf(token);
          expect({ fault, who, status: s.status }).toEqual({ fault, who, status: 503 });
          expect(s.ms, `${fault}, ${who}`).toBeLessThan(2000);
        }
        await end();
      }
      expect(readdirSync(storage).length).toBe(before);
      await waitFor(
        () => statusOf(orgToken).then((s) => s.status),
        (s) => s === 200,
        10_000,
      );
      expect((await ingestsOf(org)).map((i) => i.id)).toEqual([first.body.ingestId]);
    } finally {
      await app.close();
      await relay.close();
    }
  });
});

describe('when an upload is recorded but the queue refuses it', () => {
  it('then the answer is 503, the ingest is marked failed with the reason, and the stored file is removed', async () => {
    const storage = mkdtempSync(path.join(tmpdir(), 'outage-feeds-'));
    storages.push(storage);
    const config = testConfig({ FEED_API_TOKEN: TOKEN, FEED_STORAGE_DIR: storage });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    const ingestQueue = { add: () => Promise.reject(refused) } as unknown as Queue<QueuePayloads['ingest'], unknown, string>;
    const app = express().use(feedsRouter({ config, db, ingestQueue, redis: { status: 'ready' } as Redis, log: createLogger('silent') }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const org = await newOrganisation(db);
    try {
      const r = await upload(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, TOKEN, org);
      expect(r.status).toBe(503);
      expect(r.ms).toBeLessThan(2000);
      expect(await ingestsOf(org)).toEqual([{ id: expect.any(String), status: 'failed', error: expect.stringMatching(/Could not be queued/) }]);
      expect(readdirSync(storage)).toEqual([]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
