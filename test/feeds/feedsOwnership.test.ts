// Whose money is whose, through the real endpoints: managers create feed tokens in chat; a token uploads for its
// organisation only and reads back only its ingests; one organisation's report never credits another's
// influencer; the same report under another network label adds nothing; a re-issued window that would reverse
// most of its confirmed lines waits for confirmation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/domain/digest/digestReport.ts';
import { parsePeriod } from '../../src/domain/earnings/period.ts';
import { earningsSummary } from '../../src/domain/earnings/summary.ts';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { organisationOfTrackingId } from '../support/feedsApi.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { earningsCsv } from '../support/ingest.ts';
import { jobFinished, queuesSettled } from '../support/queues.ts';
import { newTeam, SIGNING_SECRET, slash, visibleText, type Who } from '../slack/helpers.ts';

const OPERATOR_TOKEN = 'operator-feed-token-0123456789';
const db = testDb();
let fake: FakeSlack;
let app: Runtime & { url: string };

beforeAll(async () => {
  fake = await FakeSlack.start();
  const config = testConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-ownership',
    SLACK_API_URL: fake.apiUrl,
    FEED_API_TOKEN: OPERATOR_TOKEN,
  });
  app = (await startRuntime(config, { web: true, workers: true, log: createLogger('silent') })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await fake.close();
  await db.destroy();
});

/** A Slack team with a manager and an influencer who set up a storefront there. */
async function team() {
  const t = newTeam();
  const manager = t.member();
  fake.setUser(manager.user, { admin: true, tz: 'UTC' });
  const influencer = t.member();
  const handle = unique('own');
  const tag = `${handle}-20`;
  expect(visibleText((await slash(app.url, fake, influencer, 'storefront', `setup ${handle} ${tag}`)).reply.body.blocks)).toContain('Storefront created');
  const organisationId = await organisationOfTrackingId(app, tag);
  return { manager, influencer, handle, tag, organisationId, member: t.member };
}

const say = async (who: Who, command: string, text: string) => visibleText((await slash(app.url, fake, who, command, text)).reply.body.blocks);

async function createToken(manager: Who, name = 'nightly upload'): Promise<string> {
  const text = await say(manager, 'storefront', `feed-token create ${name}`);
  const token = /aff_ft_[A-Za-z0-9_-]{32}/.exec(text)?.[0];
  if (!token) throw new Error(`no token in: ${text}`);
  return token;
}

const post = (path: string, body: string, token: string) => fetch(`${app.url}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
const statusOf = (id: string, token: string) => fetch(`${app.url}/api/feeds/ingests/${id}`, { headers: { authorization: `Bearer ${token}` } });

/** Posts a report and waits for its ingest job; returns the status document. */
async function upload(path: string, body: string, token: string) {
  const res = await post(path, body, token);
  expect(res.status, await res.clone().text()).toBe(202);
  const { ingestId } = (await res.json()) as { ingestId: string };
  expect(await jobFinished(app.queues.ingest, ingestId)).toBe('completed');
  return (await (await statusOf(ingestId, token)).json()) as {
    ingestId: string;
    organisationId: number;
    status: string;
    error: string | null;
    counts: Record<string, number>;
  };
}

const row = (tag: string, asin: string, day: string, fees: string) => `Kitchen,Pan,${asin},Amazon.com,${tag},${day} 10:00:00,10.00,1,0,10.00,${fees},DESKTOP`;
const net = async (handle: string) => {
  const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
  return (await earningsSummary(db, { influencerId: id }, parsePeriod('all', 'UTC'))).totals.map((t) => ({ currency: t.currency, net: t.net }));
};
const dmsTo = (who: Who) => fake.callsTo('chat.postMessage').filter((c) => c.body.channel === `D${who.user}`);

describe('when a manager creates a feed token in chat', () => {
  it('then it is shown once, listed by its last characters only, uploads for that organisation and reads only its ingests', async () => {
    const a = await team();
    const b = await team();
    const tokenA = await createToken(a.manager);
    const tokenB = await createToken(b.manager, 'b script');

    // Stored as a fingerprint: the token itself is nowhere in the database.
    const stored = await db.selectFrom('feed_tokens').selectAll().where('organisation_id', '=', a.organisationId).execute();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(tokenA);
    const list = await say(a.manager, 'storefront', 'feed-token list');
    expect(list).toContain(`…${tokenA.slice(-4)}`);
    expect(list).not.toContain(tokenA);

    const done = await upload('/api/feeds/amazon', earningsCsv(['2022-01-01', '2022-01-31'], [row(a.tag, 'B0OWNER001', '2022-01-05', '1.50')]), tokenA);
    expect(done).toMatchObject({ status: 'succeeded', organisationId: a.organisationId, counts: { accepted: 1, unattributed: 0 } });
    expect(await net(a.handle)).toEqual([{ currency: 'USD', net: 150 }]);

    // Another organisation's token: not found (the id tells it nothing); the operator's token reads any.
    expect((await statusOf(done.ingestId, tokenB)).status).toBe(404);
    expect((await statusOf(done.ingestId, OPERATOR_TOKEN)).status).toBe(200);
    // Naming another organisation is refused, and nothing is stored.
    const ingestsOfB = () =>
      db
        .selectFrom('feed_ingests')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('organisation_id', '=', b.organisationId)
        .executeTakeFirstOrThrow();
    const before = await ingestsOfB();
    const cross = await post(
      `/api/feeds/amazon?org=${b.organisationId}`,
      earningsCsv(['2022-01-01', '2022-01-31'], [row(a.tag, 'B0OWNER002', '2022-01-06', '1.00')]),
      tokenA,
    );
    expect(cross.status).toBe(403);
    expect(await ingestsOfB()).toEqual(before);
  });

  it('then members cannot create, list or revoke tokens, and a revoked or forged token is refused', async () => {
    const a = await team();
    const member = a.member();
    expect(await say(member, 'storefront', 'feed-token create mine')).toContain('Only managers');
    expect(await say(member, 'storefront', 'feed-token list')).toContain('Only managers');
    expect(await db.selectFrom('feed_tokens').select('id').where('organisation_id', '=', a.organisationId).execute()).toEqual([]);

    const token = await createToken(a.manager);
    const id = (await db.selectFrom('feed_tokens').select('id').where('organisation_id', '=', a.organisationId).executeTakeFirstOrThrow()).id;
    expect(await say(a.manager, 'storefront', 'feed-token revoke #999999')).toContain('no active feed token');
    expect(await say(a.manager, 'storefront', `feed-token revoke #${id}`)).toContain('is revoked');
    const csv = earningsCsv(['2022-02-01', '2022-02-28'], [row(a.tag, 'B0OWNER003', '2022-02-05', '1.00')]);
    expect((await post('/api/feeds/amazon', csv, token)).status).toBe(401);
    expect((await post('/api/feeds/amazon', csv, `aff_ft_${'x'.repeat(32)}`)).status).toBe(401);
    expect((await post('/api/feeds/amazon', csv, 'not-a-token')).status).toBe(401);
    expect(await net(a.handle)).toEqual([]);
  });
});

describe('when one organisation ingests a report that carries another organisation’s tracking ID', () => {
  it('then the other’s influencer is not credited or told, and only the ingesting organisation’s managers see the ID', async () => {
    const a = await team();
    const b = await team();
    const tokenB = await createToken(b.manager);
    const done = await upload('/api/feeds/amazon', earningsCsv(['2022-03-01', '2022-03-31'], [row(a.tag, 'B0OWNER010', '2022-03-05', '9.99')]), tokenB);
    expect(done).toMatchObject({ status: 'succeeded', organisationId: b.organisationId, counts: { accepted: 1, unattributed: 1 } });
    await queuesSettled(app.queues, ['notify']);
    expect(await net(a.handle)).toEqual([]);
    expect(dmsTo(a.influencer)).toEqual([]);

    const now = new Date();
    const seenByB = (await buildDigest(db, b.organisationId, { timezone: 'UTC', now })).unattributed;
    expect(seenByB.find((u) => u.trackingId === a.tag)).toMatchObject({ lines: 1, money: [{ currency: 'USD', confirmed: 999, pending: 0 }] });
    expect((await buildDigest(db, a.organisationId, { timezone: 'UTC', now })).unattributed.map((u) => u.trackingId)).not.toContain(a.tag);

    // The rightful organisation's own report of the same lines is its own money.
    const tokenA = await createToken(a.manager);
    const own = await upload('/api/feeds/amazon', earningsCsv(['2022-03-01', '2022-03-31'], [row(a.tag, 'B0OWNER010', '2022-03-05', '9.99')]), tokenA);
    expect(own.counts).toMatchObject({ accepted: 1, unattributed: 0 });
    expect(await net(a.handle)).toEqual([{ currency: 'USD', net: 999 }]);
  });
});

describe('when the same Amazon report arrives under another network label', () => {
  it('then it adds nothing and sends no second message; an unknown label is refused with the list', async () => {
    const a = await team();
    const token = await createToken(a.manager);
    const csv = earningsCsv(['2022-04-01', '2022-04-30'], [row(a.tag, 'B0OWNER020', '2022-04-05', '2.00'), row(a.tag, 'B0OWNER021', '2022-04-06', '3.00')]);
    expect((await upload('/api/feeds/amazon', csv, token)).counts).toMatchObject({ accepted: 2 });
    await fake.waitForCall('chat.postMessage', (c) => c.body.channel === `D${a.influencer.user}`, 10_000);
    const again = await upload('/api/feeds/walmart', csv, token);
    expect(again.counts).toMatchObject({ accepted: 0, unchanged: 2 });
    await queuesSettled(app.queues, ['notify']);
    expect(dmsTo(a.influencer)).toHaveLength(1);
    expect(await net(a.handle)).toEqual([{ currency: 'USD', net: 500 }]);

    const unknown = await post('/api/feeds/amazonn', csv, token);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/Unknown network "amazonn"\. Known networks: amazon, .*walmart/);
  });
});

describe('when a re-issued window would reverse most of the confirmed lines it covers', () => {
  it('then it is held with nothing applied, and applied when sent again with confirmation', async () => {
    const a = await team();
    const token = await createToken(a.manager);
    const w: [string, string] = ['2022-05-01', '2022-05-31'];
    const lines = ['1.00', '2.00', '3.00', '4.00'].map((fee, i) => row(a.tag, `B0OWNER03${i}`, `2022-05-0${i + 1}`, fee));
    expect((await upload('/api/feeds/amazon', earningsCsv(w, lines), token)).counts).toMatchObject({ accepted: 4 });
    expect(await net(a.handle)).toEqual([{ currency: 'USD', net: 1000 }]);

    // A truncated download: one line of four.
    const held = await upload('/api/feeds/amazon', earningsCsv(w, lines.slice(0, 1)), token);
    expect(held).toMatchObject({ status: 'held', counts: { accepted: 0, reversed: 0 } });
    expect(held.error).toMatch(/would reverse 3 of the 4 confirmed lines.*\?confirm=1/);
    expect(await net(a.handle)).toEqual([{ currency: 'USD', net: 1000 }]);

    const confirmed = await upload('/api/feeds/amazon?confirm=1', earningsCsv(w, lines.slice(0, 1)), token);
    expect(confirmed).toMatchObject({ status: 'succeeded', counts: { unchanged: 1, reversed: 3 } });
    expect(await net(a.handle)).toEqual([{ currency: 'USD', net: 100 }]);
  });

  it('then a window that loses half or less is applied at once', async () => {
    const a = await team();
    const token = await createToken(a.manager);
    const w: [string, string] = ['2022-06-01', '2022-06-30'];
    const lines = ['1.00', '2.00'].map((fee, i) => row(a.tag, `B0OWNER04${i}`, `2022-06-0${i + 1}`, fee));
    await upload('/api/feeds/amazon', earningsCsv(w, lines), token);
    expect(await upload('/api/feeds/amazon', earningsCsv(w, lines.slice(0, 1)), token)).toMatchObject({ status: 'succeeded', counts: { reversed: 1 } });
    expect(await net(a.handle)).toEqual([{ currency: 'USD', net: 100 }]);
  });
});
