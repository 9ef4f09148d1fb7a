// Secrets at rest: Slack tokens and feed-source headers are sealed in Postgres, still used by the app, sealed at start
// when they were written before sealing existed, and re-sealed by `rotate-key`. The file runs in a database of its
// own (rotate-key walks every row, and other files' rows are not its business); pg_dump of it is the proof.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Job } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { feedPollProcessor } from '../../jobs/feedPoll/processor.ts';
import { postgresInstallationStore } from '../../bots/slack/installationStore.ts';
import { createSlackSenders } from '../../bots/slack/sender.ts';
import { runCli } from '../../src/cli/main.ts';
import { createDb, type Db } from '../../src/db/database.ts';
import { ensureDatabase, migrateToLatest } from '../../src/db/migrate.ts';
import { AllowList } from '../../src/domain/net/publicAddress.ts';
import { createLogger } from '../../src/log.ts';
import type { QueuePayloads } from '../../src/queues.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { keyIdOf, parseKey, SecretBox, secretBoxFor } from '../../src/secrets/secretBox.ts';
import { setOrganisationCredentials } from '../../src/domain/catalogue/credentials.ts';
import { botTokenContext, catalogueSecretContext, feedHeadersContext } from '../../src/secrets/storedSecrets.ts';
import { testConfig, unique } from '../support/env.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { LEVEL, LogCapture } from '../observability/support/logCapture.ts';
import { commandForm, postToSlackEndpoint, SIGNING_SECRET, slash, visibleText } from '../slack/helpers.ts';
import * as C from '../../src/cards/card.ts';

const KEY_A = randomBytes(32).toString('hex');
const KEY_B = randomBytes(32).toString('base64');
const ID_A = keyIdOf(parseKey(KEY_A)!);
const ID_B = keyIdOf(parseKey(KEY_B)!);

const server = new URL(inject('databaseUrl'));
const dbName = `${server.pathname.slice(1)}_secrets`;
const databaseUrl = Object.assign(new URL(server.href), { pathname: `/${dbName}` }).href;
const storage = mkdtempSync(path.join(tmpdir(), 'secrets-at-rest-'));

let db: Db;
let fake: FakeSlack;
let rt: Runtime & { url: string };

const slackEnv = (fakeApi: string) => ({
  DATABASE_URL: databaseUrl,
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_CLIENT_ID: '1111.2222',
  SLACK_CLIENT_SECRET: 'client-secret-for-tests',
  SLACK_STATE_SECRET: 'state-secret-for-tests-0123456789',
  SLACK_API_URL: fakeApi,
  FEED_STORAGE_DIR: storage,
});

beforeAll(async () => {
  await ensureDatabase(databaseUrl);
  db = createDb(databaseUrl, 4);
  await migrateToLatest(db);
  fake = await FakeSlack.start();
  rt = (await startRuntime(testConfig({ ...slackEnv(fake.apiUrl), ENCRYPTION_KEY: KEY_A }), { web: true, log: createLogger('silent') })) as Runtime & {
    url: string;
  };
});

afterAll(async () => {
  await rt?.close();
  await fake?.close();
  await db?.destroy();
  const admin = new pg.Client({ connectionString: Object.assign(new URL(server.href), { pathname: '/postgres' }).href });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(dbName)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

/** Everything the database holds, as pg_dump writes it (data and schema). */
const dump = () => execFileSync('pg_dump', ['--no-owner', `--dbname=${databaseUrl}`], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });

/** The OAuth install flow against the fake Slack, with a bot token (and a user token) unique to this test. */
async function install() {
  const teamId = unique('TSEC').toUpperCase();
  const botToken = `xoxb-${randomBytes(12).toString('hex')}`;
  const userToken = `xoxp-${randomBytes(12).toString('hex')}`;
  fake.install = { teamId, teamName: `Team ${teamId}`, botToken, botUserId: `UB${teamId}`, scope: 'commands,chat:write,users:read', userToken };
  const start = await fetch(`${rt.url}/slack/install`, { redirect: 'manual' });
  const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
  const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
  const res = await fetch(`${rt.url}/slack/oauth_redirect?code=${unique('code')}&state=${encodeURIComponent(state)}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return { teamId, botToken, userToken };
}

/** Posts through the notifier's sender, which reads the workspace's token from Postgres. */
async function postWith(config: Runtime['config'], teamId: string) {
  const before = fake.callsTo('chat.postMessage').length;
  const sender = await createSlackSenders({ config, db }).forWorkspace(teamId);
  await sender.sendToChannel('C0SECRETS', C.card({ visibility: 'channel' }, [C.text('hello')]));
  return fake.callsTo('chat.postMessage').slice(before);
}

describe('when a workspace installs the app', () => {
  it('then its bot and user tokens appear nowhere in a dump of the database, and the app still posts and answers with them', async () => {
    const { teamId, botToken, userToken } = await install();
    const text = dump();
    expect(text).toContain(teamId);
    expect(text).not.toContain(botToken);
    expect(text).not.toContain(userToken);
    expect(text).not.toContain(botToken.slice(5)); // not even without its prefix

    const row = await db.selectFrom('slack_workspaces').select(['bot_token', 'installation']).where('team_id', '=', teamId).executeTakeFirstOrThrow();
    expect(row.bot_token).toMatch(new RegExp(`^enc:v1:${ID_A}:`));
    expect(row.installation).toMatchObject({ user: { id: 'UINSTALLER', token: expect.stringMatching(new RegExp(`^enc:v1:${ID_A}:`)) } });

    // The notifier posts with it…
    const posts = await postWith(rt.config, teamId);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.token).toBe(botToken);
    // …and a slash command from the workspace is answered with it (Bolt's authorize reads the installation).
    const user = unique('U').toUpperCase();
    fake.setUser(user, { admin: true });
    const { reply } = await slash(rt.url, fake, { team: teamId, user }, 'storefront', 'help');
    expect(visibleText(reply.body.blocks)).toMatch(/storefront/i);
    expect(fake.callsTo('users.info').find((c) => c.body.user === user)?.token).toBe(botToken);
    // The installation Bolt gets back carries the user token, opened.
    const inst = await postgresInstallationStore(db, secretBoxFor(rt.config)).fetchInstallation({
      teamId,
      isEnterpriseInstall: false,
      enterpriseId: undefined,
    });
    expect(inst.user.token).toBe(userToken);
  });
});

describe('when an operator adds a feed source with a secret header', () => {
  it('then the header value appears nowhere in a dump, and polling still sends it', async () => {
    const secret = `feed-${randomBytes(12).toString('hex')}`;
    const seen: IncomingHttpHeaders[] = [];
    const reports: Server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/csv' }).end('hello,world\n1,2\n');
    });
    await new Promise<void>((r) => reports.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(reports.address() as AddressInfo).port}`;
    try {
      const name = unique('src');
      const env = { ...slackEnv(fake.apiUrl), ENCRYPTION_KEY: KEY_A, LOG_LEVEL: 'silent', QUEUE_PREFIX: rt.config.QUEUE_PREFIX };
      const code = await runCli(
        ['feed-source', 'add', '--name', name, '--url', `http://${host}/report.csv`, '--cron', '0 6 * * *', '--header', `X-Api-Key: ${secret}`],
        env,
        () => undefined,
        () => undefined,
      );
      expect(code).toBe(0);
      expect(dump()).not.toContain(secret);
      const source = await db.selectFrom('feed_sources').select(['id', 'url', 'headers']).where('name', '=', name).executeTakeFirstOrThrow();
      expect(source.headers).toEqual(expect.stringMatching(new RegExp(`^enc:v1:${ID_A}:`)));

      const queued: string[] = [];
      const poll = feedPollProcessor({
        db,
        queues: { ingest: { add: async (_n: string, data: { ingestId: string }) => void queued.push(data.ingestId) } } as never,
        storageDir: storage,
        maxBytes: 1024 * 1024,
        secrets: secretBoxFor(rt.config),
        outbound: { allow: new AllowList([host]) },
      });
      await poll({ data: { feedSourceId: source.id } } as Job<QueuePayloads['feed-poll']>);
      expect(seen).toHaveLength(1);
      expect(seen[0]!['x-api-key']).toBe(secret);
      expect(queued).toHaveLength(1);
      await db.updateTable('feed_sources').set({ enabled: false }).where('id', '=', source.id).execute();
    } finally {
      await new Promise((r) => reports.close(r));
    }
  });
});

describe('when rows were written before sealing existed', () => {
  it('then they are read as they are, sealed at the next start (once), and still work', async () => {
    const teamId = unique('TOLD').toUpperCase();
    const botToken = `xoxb-legacy-${randomBytes(8).toString('hex')}`;
    const userToken = `xoxp-legacy-${randomBytes(8).toString('hex')}`;
    const headerSecret = `legacy-${randomBytes(8).toString('hex')}`;
    const org = (
      await db
        .insertInto('organisations')
        .values({ name: `Legacy ${teamId}` })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const installation = {
      team: { id: teamId, name: 'Legacy' },
      enterprise: undefined,
      isEnterpriseInstall: false,
      authVersion: 'v2',
      appId: 'AFAKE',
      tokenType: 'bot',
      user: { id: 'UOLD', token: userToken, scopes: ['identify'] },
      bot: { id: 'BOLD', userId: 'UBOLD', scopes: ['chat:write'] },
    };
    await db
      .insertInto('slack_workspaces')
      .values({
        team_id: teamId,
        organisation_id: org,
        name: 'Legacy',
        enterprise_id: null,
        bot_user_id: 'UBOLD',
        bot_token: botToken,
        installation: JSON.stringify(installation),
        revoked_at: null,
      })
      .execute();
    const url = `https://reports.example.test/${teamId}.csv`;
    const source = await db
      .insertInto('feed_sources')
      .values({
        organisation_id: org,
        network: 'amazon',
        name: unique('legacy'),
        url,
        cron: '0 6 * * *',
        marketplace: null,
        headers: JSON.stringify({ Authorization: `Bearer ${headerSecret}` }) as never,
        enabled: false,
        last_polled_at: null,
        last_success_at: null,
        last_error: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(dump()).toContain(botToken);

    // Before sealing, the plaintext is still accepted: the notifier posts with it.
    expect((await postWith(rt.config, teamId))[0]!.token).toBe(botToken);

    // A start as main.ts does it (migrate first, then seal).
    const capture = new LogCapture();
    const second = await startRuntime(testConfig({ ...slackEnv(fake.apiUrl), ENCRYPTION_KEY: KEY_A }), { migrate: true, log: capture.logger() });
    await second.close();
    // The bot token and the user token inside the installation; the feed headers.
    expect(capture.find('sealed plaintext secrets')).toEqual([expect.objectContaining({ keyId: ID_A, sealed: { slack_workspaces: 2, feed_sources: 1 } })]);
    const text = dump();
    for (const s of [botToken, userToken, headerSecret]) expect(text).not.toContain(s);
    const row = await db.selectFrom('slack_workspaces').select(['bot_token', 'installation']).where('team_id', '=', teamId).executeTakeFirstOrThrow();
    const feed = await db.selectFrom('feed_sources').select('headers').where('id', '=', source.id).executeTakeFirstOrThrow();
    expect(row.bot_token).toMatch(new RegExp(`^enc:v1:${ID_A}:`));
    expect((row.installation as { user: { token: string } }).user.token).toMatch(/^enc:v1:/);
    const box = secretBoxFor(rt.config);
    expect(box.open(row.bot_token!, botTokenContext(teamId))).toBe(botToken);
    expect(box.openJson(feed.headers, feedHeadersContext(url))).toEqual({ Authorization: `Bearer ${headerSecret}` });
    expect((await postWith(rt.config, teamId))[0]!.token).toBe(botToken);

    // Idempotent: another start finds nothing to seal and leaves the sealed values as they are.
    const quiet = new LogCapture();
    const third = await startRuntime(testConfig({ DATABASE_URL: databaseUrl, ENCRYPTION_KEY: KEY_A }), { migrate: true, log: quiet.logger() });
    await third.close();
    expect(quiet.find('sealed plaintext secrets')).toEqual([]);
    expect(quiet.lines.filter((l) => l.level >= LEVEL.warn)).toEqual([]);
    expect(await db.selectFrom('slack_workspaces').select(['bot_token', 'installation']).where('team_id', '=', teamId).executeTakeFirstOrThrow()).toEqual(row);
    expect(await db.selectFrom('feed_sources').select('headers').where('id', '=', source.id).executeTakeFirstOrThrow()).toEqual(feed);
  });
});

describe('when the operator rotates the key', () => {
  const cli = async (env: Record<string, string>, ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      args,
      { DATABASE_URL: databaseUrl, REDIS_URL: inject('redisUrl'), LOG_LEVEL: 'silent', ...env },
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const sealedValues = async () => {
    const slack = await db.selectFrom('slack_workspaces').select(['team_id', 'bot_token', 'installation']).where('bot_token', 'is not', null).execute();
    const feeds = await db.selectFrom('feed_sources').select(['url', 'headers']).where('headers', 'is not', null).execute();
    const catalogue = await db.selectFrom('catalogue_credentials').select('credential_secret').where('credential_secret', 'is not', null).execute();
    return [
      ...slack.map((r) => r.bot_token!),
      ...slack.map((r) => (r.installation as { user?: { token?: string } } | null)?.user?.token).filter((t): t is string => Boolean(t)),
      ...feeds.map((f) => f.headers as unknown as string),
      ...catalogue.map((c) => c.credential_secret!),
    ];
  };

  it('then rotate-key re-seals every value with the new key, and old-key values open until then', async () => {
    const { teamId, botToken } = await install();
    // An organisation's Creators API secret, sealed with the old key.
    const org = (await db.insertInto('organisations').values({ name: 'Catalogue org' }).returning('id').executeTakeFirstOrThrow()).id;
    await setOrganisationCredentials(db, new SecretBox({ ENCRYPTION_KEY: KEY_A, NODE_ENV: 'production' }), {
      organisationId: org,
      credentialId: 'amzn1.id',
      credentialSecret: 'creators-secret-value',
      version: '3.1',
      partnerTag: 'shop-20',
    });
    const before = await sealedValues();
    expect(before.length).toBeGreaterThanOrEqual(5);
    for (const v of before) expect(SecretBox.keyIdIn(v)).toBe(ID_A);

    // The new key with the old one as previous: the app still reads (and posts with) what the old key sealed.
    const rotated = testConfig({ ...slackEnv(fake.apiUrl), ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEY_PREVIOUS: KEY_A });
    expect((await postWith(rotated, teamId))[0]!.token).toBe(botToken);

    const r = await cli({ ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEY_PREVIOUS: KEY_A }, 'rotate-key', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { keyId: string; tables: Record<string, { resealed: number; current: number }>; failures: unknown[] };
    expect(report.keyId).toBe(ID_B);
    expect(report.failures).toEqual([]);
    expect(report.tables.slack_workspaces!.resealed + report.tables.feed_sources!.resealed + report.tables.catalogue_credentials!.resealed).toBe(before.length);
    expect(report.tables.catalogue_credentials!.resealed).toBe(1);
    expect(report.tables.feed_sources!.resealed).toBeGreaterThanOrEqual(2);

    const after = await sealedValues();
    for (const v of after) expect(SecretBox.keyIdIn(v)).toBe(ID_B);
    // Now the new key alone opens everything, and the old key alone opens nothing.
    const onlyB = testConfig({ ...slackEnv(fake.apiUrl), ENCRYPTION_KEY: KEY_B });
    expect((await postWith(onlyB, teamId))[0]!.token).toBe(botToken);
    const onlyA = new SecretBox({ ENCRYPTION_KEY: KEY_A, NODE_ENV: 'production' });
    const row = await db.selectFrom('slack_workspaces').select('bot_token').where('team_id', '=', teamId).executeTakeFirstOrThrow();
    expect(() => onlyA.open(row.bot_token!, botTokenContext(teamId))).toThrow(`sealed with key ${ID_B}`);
    const secret = await db
      .selectFrom('catalogue_credentials')
      .select(['key', 'credential_secret'])
      .where('organisation_id', '=', org)
      .executeTakeFirstOrThrow();
    expect(new SecretBox({ ENCRYPTION_KEY: KEY_B, NODE_ENV: 'production' }).open(secret.credential_secret!, catalogueSecretContext(secret.key))).toBe(
      'creators-secret-value',
    );

    // Running it again has nothing left to do; the text form says so per table.
    const again = await cli({ ENCRYPTION_KEY: KEY_B }, 'rotate-key');
    expect(again.code).toBe(0);
    expect(again.out).toBe(
      `Secrets sealed with key ${ID_B}:\n  slack_workspaces: 0 re-sealed, ${report.tables.slack_workspaces!.resealed + report.tables.slack_workspaces!.current} already current\n  feed_sources: 0 re-sealed, ${report.tables.feed_sources!.resealed + report.tables.feed_sources!.current} already current\n  catalogue_credentials: 0 re-sealed, 1 already current`,
    );
  });

  it('then a value no configured key opens makes it exit 1, naming the table and row, and the rest is still re-sealed', async () => {
    const stranger = new SecretBox({ ENCRYPTION_KEY: randomBytes(32).toString('hex') });
    const teamId = unique('TLOST').toUpperCase();
    const org = (
      await db
        .insertInto('organisations')
        .values({ name: `Lost ${teamId}` })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await db
      .insertInto('slack_workspaces')
      .values({
        team_id: teamId,
        organisation_id: org,
        name: 'Lost',
        enterprise_id: null,
        bot_user_id: null,
        bot_token: stranger.seal('xoxb-lost', botTokenContext(teamId)),
        installation: null,
        revoked_at: null,
      })
      .execute();
    try {
      const r = await cli({ ENCRYPTION_KEY: KEY_A, ENCRYPTION_KEY_PREVIOUS: KEY_B }, 'rotate-key');
      expect(r.code).toBe(1);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(
        new RegExp(
          `^Error: 1 secret could not be opened .*: slack_workspaces team_id=${teamId} bot_token: sealed with key ${stranger.keyId}, which is neither ENCRYPTION_KEY \\(${ID_A}\\) nor in ENCRYPTION_KEY_PREVIOUS\\. Re-sealed meanwhile: slack_workspaces: [1-9]\\d* re-sealed`,
        ),
      );
      for (const v of await sealedValues()) if (!v.startsWith(`enc:v1:${stranger.keyId}:`)) expect(SecretBox.keyIdIn(v)).toBe(ID_A);
    } finally {
      await db.deleteFrom('slack_workspaces').where('team_id', '=', teamId).execute();
    }
  });
});

describe('when a Slack command comes from a workspace whose token no key opens', () => {
  it('then nothing runs and no token is sent anywhere', async () => {
    const teamId = unique('TBAD').toUpperCase();
    const org = (
      await db
        .insertInto('organisations')
        .values({ name: `Bad ${teamId}` })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const stranger = new SecretBox({ ENCRYPTION_KEY: randomBytes(32).toString('hex') });
    await db
      .insertInto('slack_workspaces')
      .values({
        team_id: teamId,
        organisation_id: org,
        name: 'Bad',
        enterprise_id: null,
        bot_user_id: 'UBAD',
        bot_token: stranger.seal('xoxb-bad', botTokenContext(teamId)),
        installation: JSON.stringify({ team: { id: teamId }, user: { id: 'U1' }, bot: { id: 'B1', userId: 'UBAD', scopes: [] } }),
        revoked_at: null,
      })
      .execute();
    const callsBefore = fake.calls.length;
    const { url } = fake.responseUrl();
    const r = await postToSlackEndpoint(rt.url, commandForm({ team: teamId, user: 'U1' }, 'storefront', 'show', url), 'application/x-www-form-urlencoded');
    expect(r.status).toBe(200);
    await rt.idle();
    expect(fake.calls.slice(callsBefore)).toEqual([]);
    await db.deleteFrom('slack_workspaces').where('team_id', '=', teamId).execute();
  });
});
