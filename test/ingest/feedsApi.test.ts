import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/log.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FIXTURES, earningsCsv } from '../support/ingest.ts';
import { waitFor } from '../support/wait.ts';

const TOKEN = 'feed-token-feed-token-123';
const storage = mkdtempSync(path.join(tmpdir(), 'feeds-api-'));
const db = testDb();
let app: Runtime & { url: string };

beforeAll(async () => {
  // Web and workers in one process, as `npm start` runs them.
  app = (await startRuntime(testConfig({ FEED_API_TOKEN: TOKEN, FEED_MAX_BYTES: String(2 * 1024 * 1024), FEED_STORAGE_DIR: storage }), {
    web: true,
    workers: true,
    log: createLogger('silent'),
  })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await db.destroy();
});

const post = (path: string, body: string | Uint8Array, token: string | null = TOKEN) =>
  fetch(`${app.url}${path}`, { method: 'POST', body, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
const status = (id: string) => fetch(`${app.url}/api/feeds/ingests/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
/** This app's ingests (their files are in its own storage dir; other test files share the database). */
const storedHere = async () => ({
  ingests: (
    await db
      .selectFrom('feed_ingests')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('file_path', 'like', `${storage}%`)
      .executeTakeFirstOrThrow()
  ).n,
  files: readdirSync(storage).length,
});

async function finished(id: string) {
  return waitFor(
    async () => (await (await status(id)).json()) as { status: string; counts: Record<string, number>; rowErrors: unknown[]; error: string | null },
    (s) => s.status === 'succeeded' || s.status === 'failed',
    20_000,
  );
}

describe('when a report is posted to the feeds API', () => {
  it('then it is accepted with 202 and an ingest id, and its status shows the counts', async () => {
    const res = await post('/api/feeds/amazon', readFileSync(`${FIXTURES}/ca-2021-03-orders-earnings.xlsx`));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { ingestId: string; status: string; statusUrl: string };
    expect(body).toMatchObject({ status: 'queued', statusUrl: `http://links.test/api/feeds/ingests/${body.ingestId}` });
    const done = await finished(body.ingestId);
    // Other test files may have ingested the same workbook already: then its lines are unchanged, not new.
    expect(done).toMatchObject({ status: 'succeeded', counts: { rows: 1106, rejected: 0 } });
    expect(done.counts.accepted! + done.counts.unchanged!).toBe(1106);
  });

  it('then row errors come back with line numbers', async () => {
    const tag = `${unique('api')}-20`;
    const csv = earningsCsv(
      ['2021-10-01', '2021-10-31'],
      [
        `Toys & Games,Kite,B000000050,Amazon.com,${tag},2021-10-02 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`,
        `Toys & Games,Kite,B000000051,Amazon.com,${tag},not-a-date,10.00,1,0,10.00,0.30,DESKTOP`,
      ],
    );
    const res = await post('/api/feeds/amazon?marketplace=US', csv);
    const { ingestId } = (await res.json()) as { ingestId: string };
    const done = await finished(ingestId);
    expect(done.counts).toMatchObject({ accepted: 1, rejected: 1 });
    expect(done.rowErrors).toEqual([expect.objectContaining({ line: 4 })]);
  });

  it('then a new entry for a registered influencer queues exactly one notification event', async () => {
    const handle = unique('ntf');
    const org = await db.transaction().execute(async (trx) => {
      const org = await trx.insertInto('organisations').values({ name: 'n' }).returning('id').executeTakeFirstOrThrow();
      const inf = await trx
        .insertInto('influencers')
        .values({ organisation_id: org.id, handle, display_name: handle, bio: null, avatar_url: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('tracking_ids')
        .values({ tracking_id: `${handle}-20`, marketplace: 'US', influencer_id: inf.id, is_default: true })
        .execute();
      return org.id;
    });
    const csv = earningsCsv(
      ['2021-11-01', '2021-11-30'],
      [`Toys & Games,Kite,B000000060,Amazon.com,${handle}-20,2021-11-02 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`],
    );
    const first = (await (await post(`/api/feeds/amazon?org=${org}`, csv)).json()) as { ingestId: string };
    await finished(first.ingestId);
    const second = (await (await post(`/api/feeds/amazon?org=${org}`, csv)).json()) as { ingestId: string };
    await finished(second.ingestId);
    const jobs = await app.queues.notify.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    const mine = jobs.filter((j) => j.data.ingestId === first.ingestId || j.data.ingestId === second.ingestId);
    expect(mine.map((j) => j.id)).toEqual([expect.stringMatching(new RegExp(`^notify-${first.ingestId}-\\d+$`))]);
  });
});

describe('when the feeds API gets hostile input', () => {
  it('then a wrong or missing token is refused and nothing is stored', async () => {
    const before = await storedHere();
    expect((await post('/api/feeds/amazon', 'x', null)).status).toBe(401);
    expect((await post('/api/feeds/amazon', 'x', 'wrong-token-wrong-token')).status).toBe(401);
    expect((await fetch(`${app.url}/api/feeds/ingests/00000000-0000-0000-0000-000000000000`)).status).toBe(401);
    expect(await storedHere()).toEqual(before);
  });

  it('then unknown ids, bad networks and bad marketplaces get clear 4xx answers', async () => {
    expect((await status('00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await status('not-a-uuid')).status).toBe(404);
    expect((await post('/api/feeds/..%2f..', 'x')).status).toBe(400);
    expect((await post('/api/feeds/amazon?marketplace=mars', 'x')).status).toBe(400);
    const empty = await post('/api/feeds/amazon', '');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: 'The file is empty.' });
  });

  it('then an oversize body is cut off with 413, even when it does not say its length, and nothing is kept', async () => {
    const ingests = async () =>
      (
        await db
          .selectFrom('feed_ingests')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('file_path', 'like', `${storage}%`)
          .executeTakeFirstOrThrow()
      ).n;
    const filesBefore = readdirSync(storage).length;
    const ingestsBefore = await ingests();
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    expect((await post('/api/feeds/amazon', big)).status).toBe(413);
    // Chunked upload without Content-Length: the cap applies while streaming.
    const code = await new Promise<number | string>((resolve, reject) => {
      const u = new URL(`${app.url}/api/feeds/amazon`);
      const req = request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'transfer-encoding': 'chunked' } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < 4 * 1024 * 1024) {
          sent += 64 * 1024;
          if (!req.write(Buffer.alloc(64 * 1024, 0x62))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    }).catch((err: NodeJS.ErrnoException) => err.code ?? 'error');
    // The server answers 413 and closes; a client still sending may see the reset before the answer.
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(code);
    expect(readdirSync(storage)).toHaveLength(filesBefore);
    expect(await ingests()).toBe(ingestsBefore);
  });

  it('then binary junk and formula-looking cells are handled without harm', async () => {
    const junk = (await (await post('/api/feeds/amazon', Buffer.from([0, 1, 2, 3, 255, 254, 0, 7]))).json()) as { ingestId: string };
    expect(await finished(junk.ingestId)).toMatchObject({ status: 'failed', error: expect.stringMatching(/\S/) });
    const tag = `${unique('fx')}-20`;
    const csv = earningsCsv(
      ['2021-12-01', '2021-12-31'],
      [`Toys & Games,"=HYPERLINK(""http://evil"",""x"")",B000000070,Amazon.com,${tag},2021-12-02 10:00:00,10.00,1,0,10.00,=1+1,DESKTOP`],
    );
    const f = (await (await post('/api/feeds/amazon', csv)).json()) as { ingestId: string };
    // Its only row is rejected (Ad Fees `=1+1` is no number), so the file fails, naming that row; nothing is applied.
    expect(await finished(f.ingestId)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^The file's only row was rejected, so nothing was recorded\. First error: Fee-Earnings line 3: Ad Fees/),
      counts: { accepted: 0, rejected: 1 },
    });
  });
});
