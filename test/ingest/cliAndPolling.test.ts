import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { createLogger } from '../../src/log.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FIXTURES, earningsCsv, writeReport } from '../support/ingest.ts';
import { waitFor } from '../support/wait.ts';

const db = testDb();
const storage = mkdtempSync(path.join(tmpdir(), 'cli-ingest-'));
afterAll(() => db.destroy());

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env = { DATABASE_URL: inject('databaseUrl'), REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: unique('cli'), FEED_STORAGE_DIR: storage, LOG_LEVEL: 'silent' };
  const code = await runCli(args, env, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('when an operator ingests a file from the CLI', () => {
  it('then it goes through the ingest queue and prints the summary, leaving the original file alone', async () => {
    const file = path.join(storage, 'bounty-and-more.xlsx');
    copyFileSync(`${FIXTURES}/us-2020-02-fee-orders.xlsx`, file);
    const r = await cli('ingest', file, '--network', 'amazon');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Ingest [0-9a-f-]{36}: succeeded\n {2}rows 3016 · accepted 3016 · unchanged 0 · reversed 0 · rejected 0/);
    expect(r.out).toContain('marketplace US');
    expect(r.out).toMatch(/new pending: 3016 lines, \$[\d,]+\.\d\d/);
    expect(existsSync(file)).toBe(true);
    const again = await cli('ingest', file, '--network', 'amazon', '--json');
    expect(JSON.parse(again.out)).toMatchObject({ status: 'succeeded', counts: { accepted: 0, unchanged: 3016 } });
  });

  it('then earnings for a handle read the same figures /earnings shows', async () => {
    const handle = unique('clie');
    await cli('influencer', 'create', '--handle', handle, '--name', 'C', '--tracking-id', `${handle}-20`);
    const today = new Date().toISOString().slice(0, 10);
    await cli('ingest', writeReport(earningsCsv([today, today], [`Toys & Games,Kite,B000000080,Amazon.com,${handle}-20,${today} 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`])), '--network', 'amazon');
    const r = await cli('earnings', '--handle', handle, '--period', 'all');
    expect(r.out).toContain(`Earnings for @${handle} · All time`);
    expect(r.out).toContain('USD: confirmed $0.30 · pending $0.00 · reversed $0.00 · net $0.30');
    expect(JSON.parse((await cli('earnings', '--handle', handle, '--period', 'all', '--json')).out)).toMatchObject({ totals: [{ currency: 'USD', confirmed: 30 }] });

    // A second tracking ID: the figures are also split by tracking ID.
    expect((await cli('tracking-id', 'add', '--handle', handle, '--tracking-id', `${handle}b-20`, '--marketplace', 'US')).code).toBe(0);
    // The account's next report for the day holds both lines (a report is the truth for its window).
    await cli('ingest', writeReport(earningsCsv([today, today], [
      `Toys & Games,Kite,B000000080,Amazon.com,${handle}-20,${today} 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`,
      `Toys & Games,Kite,B000000080,Amazon.com,${handle}b-20,${today} 11:00:00,20.00,1,0,20.00,0.60,DESKTOP`,
    ])), '--network', 'amazon');
    const split = await cli('earnings', '--handle', handle, '--period', 'all');
    expect(split.out).toContain('USD: confirmed $0.90');
    expect(split.out).toContain(`  By tracking ID:\n    ${handle}-20  USD: confirmed $0.30 · pending $0.00 · net $0.30\n    ${handle}b-20  USD: confirmed $0.60 · pending $0.00 · net $0.60`);
  });

  it('then bad arguments are refused clearly', async () => {
    expect(await cli('ingest', '--network', 'amazon')).toMatchObject({ code: 1, err: expect.stringContaining('Give exactly one report file') });
    expect(await cli('ingest', '/nope/missing.csv', '--network', 'amazon')).toMatchObject({ code: 1, err: expect.stringContaining('No file at /nope/missing.csv') });
    expect(await cli('ingest', 'x.csv')).toMatchObject({ code: 2, err: expect.stringContaining('Missing --network') });
    expect(await cli('earnings', '--handle', 'nobody-at-all')).toMatchObject({ code: 1 });
    expect(await cli('earnings', '--period', '7d')).toMatchObject({ code: 1, err: expect.stringContaining('Give --handle') });
    expect(await cli('feed-source', 'add', '--name', 'x', '--url', 'ftp://x', '--cron', '* * * * *')).toMatchObject({ code: 1, err: expect.stringContaining('http or https') });
    expect(await cli('feed-source', 'add', '--name', 'x', '--url', 'https://x.test/r.csv', '--cron', 'often')).toMatchObject({ code: 1, err: expect.stringContaining('not a cron pattern') });
  });
});

describe('when a feed source is polled on its schedule', () => {
  let server: Server;
  let origin: string;
  const tag = `${unique('poll')}-20`;
  beforeAll(async () => {
    const csv = earningsCsv(['2022-01-01', '2022-01-31'], [`Toys & Games,Kite,B000000090,Amazon.com,${tag},2022-01-02 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`]);
    server = createServer((req, res) => {
      if (req.url === '/report.csv' && req.headers.authorization === 'Bearer s3cret') res.writeHead(200, { 'content-type': 'text/csv' }).end(csv);
      else res.writeHead(500).end('boom');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('then its report is ingested, and a failing source records why', async () => {
    const config = testConfig({ FEED_STORAGE_DIR: storage });
    const env = { DATABASE_URL: inject('databaseUrl'), REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: config.QUEUE_PREFIX, LOG_LEVEL: 'silent' };
    const add = (name: string, url: string, header?: string) => runCli(['feed-source', 'add', '--name', name, '--url', url, '--cron', '*/1 * * * * *', ...(header ? ['--header', header] : []), '--json'], env, () => undefined, () => undefined);
    const good = unique('good');
    const bad = unique('bad');
    expect(await add(good, `${origin}/report.csv`, 'Authorization: Bearer s3cret')).toBe(0);
    expect(await add(bad, `${origin}/missing.csv`)).toBe(0);
    let rt: Runtime | undefined;
    try {
      rt = await startRuntime(config, { workers: true, log: createLogger('silent') });
      const source = await db.selectFrom('feed_sources').select('id').where('name', '=', good).executeTakeFirstOrThrow();
      const ingests = await waitFor(() => db.selectFrom('feed_ingests').select(['status', 'counts']).where('feed_source_id', '=', source.id).where('status', '=', 'succeeded').orderBy('created_at').execute(), (r) => r.length >= 2, 15_000);
      expect(ingests[0]!.counts).toMatchObject({ accepted: 1 });
      expect(ingests[1]!.counts).toMatchObject({ accepted: 0, unchanged: 1 });
      const failing = await waitFor(() => db.selectFrom('feed_sources').select(['last_error', 'last_success_at']).where('name', '=', bad).executeTakeFirstOrThrow(), (r) => r.last_error !== null, 15_000);
      expect(failing).toMatchObject({ last_error: expect.stringContaining('answered 500'), last_success_at: null });
    } finally {
      await rt?.close();
      await db.updateTable('feed_sources').set({ enabled: false }).where('name', 'in', [good, bad]).execute();
    }
  });
});
