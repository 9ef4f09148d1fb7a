// Feed sources are polled by the workers from public addresses only. The operator's allow-list
// (FEED_POLL_ALLOW_PRIVATE) opens exactly the test's report server; a redirect from it to loopback (another port),
// IPv6 loopback, the cloud metadata address, or a name that resolves to loopback is refused at that hop, the
// reason is recorded on the source, and nothing is fetched there.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { seedInfluencer } from '../support/fixtures.ts';
import { waitFor } from '../support/wait.ts';

const db = testDb();
const storage = mkdtempSync(path.join(tmpdir(), 'poll-ssrf-'));
const internalHits: string[] = [];
let internal: Server;
let internal6: Server | undefined;
let reports: Server;
let rt: Runtime;
let reportsOrigin: string;
let organisationId: number;

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  // The "internal" services nothing may reach: they record any request at all.
  internal = createServer((req, res) => {
    internalHits.push(`v4 ${req.url}`);
    res.writeHead(200).end('internal');
  });
  const internalPort = await listen(internal, '127.0.0.1');
  internal6 = createServer((req, res) => {
    internalHits.push(`v6 ${req.url}`);
    res.writeHead(200).end('internal');
  });
  const internal6Port = await listen(internal6, '::1').catch(() => undefined);
  if (internal6Port === undefined) internal6 = undefined;
  const targets: Record<string, string> = {
    '/to-loopback': `http://127.0.0.1:${internalPort}/admin`,
    '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
    '/to-ipv6-loopback': `http://[::1]:${internal6Port ?? internalPort}/admin`,
    '/to-localhost': `http://localhost:${internalPort}/admin`,
  };
  reports = createServer((req, res) => {
    const to = targets[req.url ?? ''];
    if (to) res.writeHead(302, { location: to }).end();
    else res.writeHead(404).end();
  });
  const reportsPort = await listen(reports, '127.0.0.1');
  reportsOrigin = `http://127.0.0.1:${reportsPort}`;
  organisationId = (await seedInfluencer(db)).organisationId;
  rt = await startRuntime(testConfig({ FEED_STORAGE_DIR: storage, FEED_POLL_ALLOW_PRIVATE: `127.0.0.1:${reportsPort}` }), {
    workers: true,
    log: createLogger('silent'),
  });
});

afterAll(async () => {
  await rt?.close();
  for (const s of [internal, internal6, reports]) if (s) await new Promise((r) => s.close(r));
  await db.destroy();
});

async function poll(pathname: string): Promise<string> {
  const source = await db
    .insertInto('feed_sources')
    .values({
      organisation_id: organisationId,
      network: 'amazon',
      name: unique('ssrf'),
      url: `${reportsOrigin}${pathname}`,
      cron: '0 6 * * *',
      marketplace: null,
      headers: null,
      last_polled_at: null,
      last_success_at: null,
      last_error: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  try {
    await rt.queues['feed-poll'].add('feed-poll', { feedSourceId: source.id }, { attempts: 1 });
    const row = await waitFor(
      () => db.selectFrom('feed_sources').select(['last_error', 'last_success_at']).where('id', '=', source.id).executeTakeFirstOrThrow(),
      (r) => r.last_error !== null,
      15_000,
    );
    expect(row.last_success_at).toBeNull();
    return row.last_error!;
  } finally {
    await db.updateTable('feed_sources').set({ enabled: false }).where('id', '=', source.id).execute();
  }
}

describe('when a polled feed URL redirects into the private network', () => {
  it('then a hop to 127.0.0.1 (another port than the allowed one) is refused and nothing is fetched there', async () => {
    expect(await poll('/to-loopback')).toMatch(/^Refused http:\/\/127\.0\.0\.1:\d+\/admin: 127\.0\.0\.1 is a loopback address$/);
    expect(internalHits).toEqual([]);
  });

  it('then a hop to the cloud metadata service is refused', async () => {
    expect(await poll('/to-metadata')).toBe('Refused http://169.254.169.254/latest/meta-data/: 169.254.169.254 is a link-local (cloud metadata) address');
  });

  it('then a hop to [::1] is refused and nothing is fetched there', async () => {
    expect(await poll('/to-ipv6-loopback')).toMatch(/::1 is a loopback address$/);
    expect(internalHits).toEqual([]);
  });

  it('then a hop to a name that resolves to loopback (localhost, through the system resolver) is refused', async () => {
    expect(await poll('/to-localhost')).toMatch(/^Refused http:\/\/localhost:\d+\/admin: localhost resolves to (127\.0\.0\.1|::1) is a loopback address$/);
    expect(internalHits).toEqual([]);
  });
});
