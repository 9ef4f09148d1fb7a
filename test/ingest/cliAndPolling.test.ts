import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.ts';
import { closeQueues, createQueues } from '../../src/queues.ts';
import { createQueueConnection } from '../../src/redis.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { createLogger } from '../../src/log.ts';
import { createFeedToken } from '../../src/domain/feeds/feedTokens.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FIXTURES, earningsCsv, writeReport } from '../support/ingest.ts';
import { waitFor } from '../support/wait.ts';

const db = testDb();
const storage = mkdtempSync(path.join(tmpdir(), 'cli-ingest-'));
afterAll(() => db.destroy());

// Every prefix starts with the run's, so the run's teardown deletes the keys these CLI runs leave in Redis.
const queuePrefix = () => `${inject('queuePrefix')}_${unique('cli')}`;
const cliEnv = (prefix = queuePrefix()) => ({
  DATABASE_URL: inject('databaseUrl'),
  REDIS_URL: inject('redisUrl'),
  QUEUE_PREFIX: prefix,
  FEED_STORAGE_DIR: storage,
  LOG_LEVEL: 'silent',
});

async function cliWith(opts: { prefix?: string; io?: CliIo }, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    cliEnv(opts.prefix),
    (s) => out.push(s),
    (s) => err.push(s),
    opts.io,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const cli = (...args: string[]) => cliWith({}, ...args);

/** A stand-in for the operator's terminal (stderr), recording what is drawn on it. */
function fakeTerminal(isTTY = true) {
  const writes: string[] = [];
  return { isTTY, writes, write: (s: string) => void writes.push(s) };
}

/** A Fee-Earnings report of `n` distinct rows for one tracking ID. */
function bigEarningsReport(tag: string, n: number): string {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2022, 2, 1) + i * 1000).toISOString().slice(0, 19).replace('T', ' ');
    rows.push(`Toys & Games,Kite ${i},B000000080,Amazon.com,${tag},${t},10.00,1,0,10.00,0.30,DESKTOP`);
  }
  return earningsCsv(['2022-03-01', '2022-03-31'], rows);
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
    await cli(
      'ingest',
      writeReport(earningsCsv([today, today], [`Toys & Games,Kite,B000000080,Amazon.com,${handle}-20,${today} 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`])),
      '--network',
      'amazon',
    );
    const r = await cli('earnings', '--handle', handle, '--period', 'all');
    expect(r.out).toContain(`Earnings for @${handle} · All time`);
    expect(r.out).toContain('USD: confirmed $0.30 · pending $0.00 · reversed $0.00 · net $0.30');
    expect(JSON.parse((await cli('earnings', '--handle', handle, '--period', 'all', '--json')).out)).toMatchObject({
      totals: [{ currency: 'USD', confirmed: 30 }],
    });

    // A second tracking ID: the figures are also split by tracking ID.
    expect((await cli('tracking-id', 'add', '--handle', handle, '--tracking-id', `${handle}b-20`, '--marketplace', 'US')).code).toBe(0);
    // The account's next report for the day holds both lines (a report is the truth for its window).
    await cli(
      'ingest',
      writeReport(
        earningsCsv(
          [today, today],
          [
            `Toys & Games,Kite,B000000080,Amazon.com,${handle}-20,${today} 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`,
            `Toys & Games,Kite,B000000080,Amazon.com,${handle}b-20,${today} 11:00:00,20.00,1,0,20.00,0.60,DESKTOP`,
          ],
        ),
      ),
      '--network',
      'amazon',
    );
    const split = await cli('earnings', '--handle', handle, '--period', 'all');
    expect(split.out).toContain('USD: confirmed $0.90');
    expect(split.out).toContain(
      `  By tracking ID:\n    ${handle}-20  USD: confirmed $0.30 · pending $0.00 · net $0.30\n    ${handle}b-20  USD: confirmed $0.60 · pending $0.00 · net $0.60`,
    );
  });

  it('then bad arguments are refused clearly', async () => {
    expect(await cli('ingest', '--network', 'amazon')).toMatchObject({ code: 2, err: expect.stringContaining("missing required argument 'file'") });
    expect(await cli('ingest', '/nope/missing.csv', '--network', 'amazon')).toMatchObject({
      code: 1,
      err: expect.stringContaining('No file at /nope/missing.csv'),
    });
    expect(await cli('ingest', 'x.csv')).toMatchObject({ code: 2, err: expect.stringContaining('Missing --network') });
    expect(await cli('earnings', '--handle', 'nobody-at-all')).toMatchObject({ code: 1 });
    expect(await cli('earnings', '--period', '7d')).toMatchObject({ code: 1, err: expect.stringContaining('Give --handle') });
    expect(await cli('feed-source', 'add', '--name', 'x', '--url', 'ftp://x', '--cron', '* * * * *')).toMatchObject({
      code: 1,
      err: expect.stringContaining('http or https'),
    });
    expect(await cli('feed-source', 'add', '--name', 'x', '--url', 'https://x.test/r.csv', '--cron', 'often')).toMatchObject({
      code: 1,
      err: expect.stringContaining('not a cron pattern'),
    });
  });
});

describe('when an operator ingests something that is not a readable report', () => {
  const ingestsNamed = async (fileName: string) =>
    (await db.selectFrom('feed_ingests').select('status').where('file_name', '=', fileName).execute()).map((r) => r.status);

  it('then a missing file or a directory is one line on stderr, exit 1, and nothing is recorded', async () => {
    const missing = path.join(storage, `${unique('gone')}.csv`);
    expect(await cli('ingest', missing, '--network', 'amazon')).toEqual({ code: 1, out: '', err: `Error: No file at ${missing}.` });
    const dir = path.join(storage, unique('dir'));
    mkdirSync(dir);
    expect(await cli('ingest', dir, '--network', 'amazon')).toEqual({ code: 1, out: '', err: `Error: ${dir} is a directory, not a report file.` });
    const underFile = path.join(`${FIXTURES}/us-2020-02-fee-orders.xlsx`, 'x.csv');
    expect(await cli('ingest', underFile, '--network', 'amazon')).toMatchObject({ code: 1, out: '', err: expect.stringMatching(/^Error: No file at [^\n]+$/) });
    expect(await ingestsNamed(path.basename(dir))).toEqual([]);
    // --json: the error as JSON on stdout as well, for a script.
    const json = await cli('ingest', missing, '--network', 'amazon', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({ error: { code: 'not_found', message: `No file at ${missing}.` } });
  });

  it('then a junk file ends its ingest failed: exit 1 and one line saying why', async () => {
    const dir = path.join(storage, unique('junk'));
    mkdirSync(dir);
    const junk = path.join(dir, 'report.csv');
    writeFileSync(junk, randomBytes(4096));
    const r = await cli('ingest', junk, '--network', 'amazon');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^Error: Ingest [0-9a-f-]{36} failed: The file is neither a report workbook, a ZIP, nor UTF-8 text$/);

    // With --json the status document is still printed (a script reads why), and the exit code still says failed.
    const json = await cli('ingest', junk, '--network', 'amazon', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({
      status: 'failed',
      error: 'The file is neither a report workbook, a ZIP, nor UTF-8 text',
      counts: { accepted: 0 },
    });
    expect(json.err.split('\n')).toHaveLength(1);
  });

  it('then a text file that is no report fails with the reason, exit 1', async () => {
    const r = await cli('ingest', writeReport('hello,world\n1,2\n'), '--network', 'amazon');
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toMatch(/^Error: Ingest [0-9a-f-]{36} failed: Not a recognisable Amazon report[^\n]*$/);
  });
});

describe('when an operator ingests a report at a terminal', () => {
  it('then stderr shows the progress line while it runs, wiped before the summary, and the job carries the progress', async () => {
    const tag = `${unique('prog')}-20`;
    const file = writeReport(bigEarningsReport(tag, 20_000));
    const prefix = queuePrefix();
    const terminal = fakeTerminal();
    const r = await cliWith({ prefix, io: { stderr: terminal } }, 'ingest', file, '--network', 'amazon');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Ingest ([0-9a-f-]{36}): succeeded\n {2}rows 20000 · accepted 20000/);
    expect(r.out).not.toMatch(/[\r\x1b]/);

    expect(terminal.writes[0]).toBe('\rWaiting for an ingest worker…\x1b[K');
    expect(terminal.writes.at(-1)).toBe('\r\x1b[K');
    for (const w of terminal.writes)
      expect(w).toMatch(/^\r(Waiting for an ingest worker…|Reading report…( [\d,]+ rows?)?|Writing ledger… [\d,]+ rows read)?\x1b\[K$/);
    const rowsShown = terminal.writes
      .map((w) => /([\d,]+) rows?/.exec(w)?.[1])
      .filter((n): n is string => n !== undefined)
      .map((n) => Number(n.replaceAll(',', '')));
    expect(rowsShown).toEqual([...rowsShown].sort((a, b) => a - b));
    for (const n of rowsShown) expect(n).toBeLessThanOrEqual(20_000);

    // Whichever worker ran the job left its last progress on it: the ledger write, after every row was read.
    const ingestId = /^Ingest ([0-9a-f-]{36})/.exec(r.out)![1]!;
    const connection = createQueueConnection(inject('redisUrl'));
    const queues = createQueues(connection, prefix);
    try {
      expect((await queues.ingest.getJob(ingestId))?.progress).toEqual({ phase: 'writing', rows: 20_000 });
    } finally {
      await closeQueues(queues);
      await connection.quit();
    }
  });

  it('then --json, or a stderr that is not a terminal, gets no progress at all', async () => {
    const tag = `${unique('quiet')}-20`;
    const file = writeReport(bigEarningsReport(tag, 2000));
    const terminal = fakeTerminal();
    const json = await cliWith({ io: { stderr: terminal } }, 'ingest', file, '--network', 'amazon', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ status: 'succeeded', counts: { accepted: 2000 } });
    const piped = fakeTerminal(false);
    expect((await cliWith({ io: { stderr: piped } }, 'ingest', file, '--network', 'amazon')).code).toBe(0);
    expect([...terminal.writes, ...piped.writes]).toEqual([]);
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
    // The local report server is a loopback address: reachable only because the operator allows exactly it.
    const config = testConfig({ FEED_STORAGE_DIR: storage, FEED_POLL_ALLOW_PRIVATE: new URL(origin).host });
    const env = { DATABASE_URL: inject('databaseUrl'), REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: config.QUEUE_PREFIX, LOG_LEVEL: 'silent' };
    const add = (name: string, url: string, header?: string) =>
      runCli(
        ['feed-source', 'add', '--name', name, '--url', url, '--cron', '*/1 * * * * *', ...(header ? ['--header', header] : []), '--json'],
        env,
        () => undefined,
        () => undefined,
      );
    const good = unique('good');
    const bad = unique('bad');
    expect(await add(good, `${origin}/report.csv`, 'Authorization: Bearer s3cret')).toBe(0);
    expect(await add(bad, `${origin}/missing.csv`)).toBe(0);
    let rt: Runtime | undefined;
    try {
      rt = await startRuntime(config, { workers: true, log: createLogger('silent') });
      const source = await db.selectFrom('feed_sources').select('id').where('name', '=', good).executeTakeFirstOrThrow();
      const ingests = await waitFor(
        () =>
          db
            .selectFrom('feed_ingests')
            .select(['status', 'counts'])
            .where('feed_source_id', '=', source.id)
            .where('status', '=', 'succeeded')
            .orderBy('created_at')
            .execute(),
        (r) => r.length >= 2,
        15_000,
      );
      expect(ingests[0]!.counts).toMatchObject({ accepted: 1 });
      expect(ingests[1]!.counts).toMatchObject({ accepted: 0, unchanged: 1 });
      const failing = await waitFor(
        () => db.selectFrom('feed_sources').select(['last_error', 'last_success_at']).where('name', '=', bad).executeTakeFirstOrThrow(),
        (r) => r.last_error !== null,
        15_000,
      );
      expect(failing).toMatchObject({ last_error: expect.stringContaining('answered 500'), last_success_at: null });
      // The operator reads how each source's last poll went: one table row each, under a header.
      const lines = (await cli('feed-source', 'list')).out.split('\n');
      expect(lines[0]).toMatch(/^ID +ORG +NAME +NETWORK +SCHEDULE \(UTC\) +ON +LAST OK +LAST ERROR$/);
      expect(lines.find((l) => l.includes(bad))).toMatch(/ on +never +.*answered 500/);
      expect(lines.find((l) => l.includes(good))).toMatch(/ on +\d{4}-\d\d-\d\dT[\d:.]+Z +-$/);
    } finally {
      await rt?.close();
      await db.updateTable('feed_sources').set({ enabled: false }).where('name', 'in', [good, bad]).execute();
    }
  });
});

describe('when the operator works for several organisations from the CLI', () => {
  const newOrg = async (name: string) => (await db.insertInto('organisations').values({ name }).returning('id').executeTakeFirstOrThrow()).id;

  it('then an ingest names its organisation, credits only that organisation’s influencers, and refuses an unknown network', async () => {
    const mine = await newOrg(unique('mine'));
    const theirs = await newOrg(unique('theirs'));
    const handle = unique('oc');
    expect(
      (await cli('influencer', 'create', '--handle', handle, '--name', 'Org creator', '--tracking-id', `${handle}-20`, '--org', String(theirs))).code,
    ).toBe(0);
    const file = writeReport(
      earningsCsv(['2022-07-01', '2022-07-31'], [`Toys & Games,Kite,B000000091,Amazon.com,${handle}-20,2022-07-02 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`]),
    );

    const bad = await cli('ingest', file, '--network', 'amazn', '--org', String(mine));
    expect(bad).toMatchObject({ code: 1, out: '' });
    expect(bad.err).toMatch(/^Error: Unknown network "amazn"\. Known networks: amazon, /);

    const elsewhere = await cli('ingest', file, '--network', 'amazon', '--org', String(mine), '--json');
    expect(elsewhere.code).toBe(0);
    expect(JSON.parse(elsewhere.out)).toMatchObject({ organisationId: mine, counts: { accepted: 1, unattributed: 1 } });
    const own = await cli('ingest', file, '--network', 'amazon', '--org', String(theirs), '--json');
    expect(JSON.parse(own.out)).toMatchObject({ organisationId: theirs, counts: { accepted: 1, unattributed: 0 } });
    const earned = await cli('earnings', '--handle', handle, '--period', 'all', '--json');
    expect((JSON.parse(earned.out) as { totals: Array<{ confirmed: number }> }).totals).toEqual([expect.objectContaining({ confirmed: 30 })]);
    expect(await cli('ingest', file, '--network', 'amazon', '--org', '99999999')).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^Error: No organisation has the id 99999999/),
    });
  });

  it('then a re-issued window that would undo most of its lines is held (exit 1, nothing applied) until --confirm', async () => {
    const org = await newOrg(unique('held'));
    const tag = `${unique('hd')}-20`;
    const line = (i: number) => `Toys & Games,Kite,B00000010${i},Amazon.com,${tag},2022-08-0${i + 1} 10:00:00,10.00,1,0,10.00,1.00,DESKTOP`;
    const full = writeReport(earningsCsv(['2022-08-01', '2022-08-31'], [0, 1, 2].map(line)));
    const truncated = writeReport(earningsCsv(['2022-08-01', '2022-08-31'], [line(0)]));
    expect((await cli('ingest', full, '--network', 'amazon', '--org', String(org))).code).toBe(0);
    const held = await cli('ingest', truncated, '--network', 'amazon', '--org', String(org));
    expect(held.code).toBe(1);
    expect(held.err.split('\n')).toEqual([
      expect.stringMatching(/^Error: Ingest [0-9a-f-]{36} Held: this earnings report for 2022-08-01 to 2022-08-31 would reverse 2 of the 3 confirmed lines/),
    ]);
    const total = async () =>
      Number(
        (
          await db
            .selectFrom('ledger_entries')
            .select((eb) => eb.fn.sum<number>('amount_minor').as('s'))
            .where('tracking_id', '=', tag)
            .executeTakeFirstOrThrow()
        ).s,
      );
    expect(await total()).toBe(300);
    const applied = await cli('ingest', truncated, '--network', 'amazon', '--org', String(org), '--confirm');
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/reversed 2/);
    expect(await total()).toBe(100);
  });

  it('then feed tokens are created (shown once), listed by their last characters and revoked', async () => {
    const org = await newOrg(unique('tok'));
    const created = await cli('feed-token', 'create', '--name', 'US script', '--org', String(org), '--json');
    expect(created.code).toBe(0);
    const token = (JSON.parse(created.out) as { token: string; id: number }).token;
    expect(token).toMatch(/^aff_ft_[A-Za-z0-9_-]{32}$/);
    const listed = await cli('feed-token', 'list', '--org', String(org));
    expect(listed.out).toContain(`…${token.slice(-4)}`);
    expect(listed.out).not.toContain(token);
    expect((await cli('feed-token', 'revoke', token.slice(-4), '--org', String(org))).out).toMatch(/is revoked/);
    expect((await cli('feed-token', 'list', '--org', String(org))).out).toBe('No feed tokens.');
    expect(await cli('feed-token', 'revoke', token.slice(-4), '--org', String(org))).toMatchObject({
      code: 1,
      err: expect.stringContaining('no active feed token'),
    });
  });

  it('then every token ends in letters and digits, so its last characters can be typed after revoke as they are', async () => {
    const org = await newOrg(unique('tok'));
    // Before (base64url), one token in 64 had a hint starting with "-", which the CLI took for an option.
    for (let i = 0; i < 16; i++) {
      const created = await createFeedToken(db, { organisationId: org, name: `t${i}` });
      expect(created.token).toMatch(/^aff_ft_[A-Za-z0-9]{32}$/);
    }
    const last = (await cli('feed-token', 'list', '--org', String(org), '--json')).out;
    const hint = (JSON.parse(last) as Array<{ hint: string }>).at(-1)!.hint;
    expect((await cli('feed-token', 'revoke', hint, '--org', String(org))).out).toMatch(/is revoked/);
  });
});
