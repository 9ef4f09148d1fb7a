// Claiming a tracking ID needs proof when it matters, through the real Slack endpoint, the feeds API and the workers:
// a tracking ID the organisation already has lines of, or that another storefront holds, waits for verification; a
// manager approves or refuses it with a button; a report of the organisation carrying it, received after the claim,
// verifies a claim nobody disputes; a held tracking ID moves only for lines from then on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePeriod } from '../../src/domain/earnings/period.ts';
import { earningsSummary } from '../../src/domain/earnings/summary.ts';
import { buildDigest } from '../../src/domain/digest/digestReport.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { refreshUntil } from '../earnings/support.ts';
import { LogCapture } from '../observability/support/logCapture.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { postFeed } from '../support/feedsApi.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { earningsCsv, recordIngest, writeReport } from '../support/ingest.ts';
import { jobFinished } from '../support/queues.ts';
import { newTeam, pressButton, SIGNING_SECRET, slash, visibleText, type Who } from '../slack/helpers.ts';

const OPERATOR_TOKEN = 'operator-claims-token-0123456789';
const db = testDb();
const logs = new LogCapture();
let fake: FakeSlack;
let app: Runtime & { url: string };

beforeAll(async () => {
  fake = await FakeSlack.start();
  const config = testConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-claims',
    SLACK_API_URL: fake.apiUrl,
    FEED_API_TOKEN: OPERATOR_TOKEN,
  });
  app = (await startRuntime(config, { web: true, workers: true, log: logs.logger() })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await fake.close();
  await db.destroy();
});

interface SlackBlocks {
  blocks: Array<{ type: string; elements?: Array<{ action_id: string; value?: string; text: { text: string }; style?: string }> }>;
}

const answer = async (who: Who, text: string) => (await slash(app.url, fake, who, 'storefront', text)).reply.body as unknown as SlackBlocks;
const say = async (who: Who, command: string, text: string) => visibleText((await slash(app.url, fake, who, command, text)).reply.body.blocks);

/** A Slack team (its organisation made by the manager's first command) with a manager. */
async function team() {
  const t = newTeam();
  const manager = t.member();
  fake.setUser(manager.user, { admin: true, tz: 'UTC' });
  expect(await say(manager, 'storefront', 'claims')).toContain('No tracking ID claims are waiting for a decision.');
  const organisationId = (await db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', t.team).executeTakeFirstOrThrow())
    .organisation_id;
  return { manager, organisationId, member: t.member };
}

const row = (tag: string, asin: string, day: string, fees: string) => `Kitchen,Pan,${asin},Amazon.com,${tag},${day} 10:00:00,10.00,1,0,10.00,${fees},DESKTOP`;
const report = (window: [string, string], rows: string[]) => earningsCsv(window, rows);
const upload = (organisationId: number, csv: string) => postFeed(app, csv, { token: OPERATOR_TOKEN, organisationId });

/** The buttons of a reply, as Slack would send them back. */
const buttonsOf = (body: SlackBlocks) => body.blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : [])).filter((e) => e.value !== undefined);

/** Presses a button as Slack does (a signed block_actions payload); returns what came back to response_url. */
async function press(who: Who, button: { action_id: string; value: string }): Promise<string> {
  const { id, url } = fake.responseUrl();
  const http = await pressButton(app.url, who, button, url);
  expect(http.status).toBe(200);
  expect(http.ms).toBeLessThan(3000);
  const reply = await fake.waitForResponse(id, 10_000);
  expect(reply.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
  return visibleText((reply.body as unknown as SlackBlocks).blocks);
}

const claimOf = (trackingId: string) =>
  db.selectFrom('tracking_id_claims').selectAll().where('tracking_id', '=', trackingId).orderBy('id', 'desc').executeTakeFirstOrThrow();
const identityOf = async (who: Who) =>
  (await db.selectFrom('platform_identities').select('id').where('workspace_id', '=', who.team).where('user_id', '=', who.user).executeTakeFirstOrThrow()).id;
const influencerOf = async (handle: string) => (await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow()).id;
const lastLineOf = async (ingestId: string) =>
  Number(
    (
      await db
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.max('id').as('id'))
        .where('ingest_id', '=', ingestId)
        .executeTakeFirstOrThrow()
    ).id,
  );
const money = (text: string) => [...text.matchAll(/-?\$[\d,]+\.\d{2}/g)].map((m) => m[0]);

/** Net of an influencer from the rollups and the ledger, and from the ledger alone: they must agree to the cent. */
async function net(handle: string): Promise<number> {
  const id = await influencerOf(handle);
  const period = parsePeriod('all', 'UTC');
  const [withRollups, ledgerOnly] = await Promise.all([
    earningsSummary(db, { influencerId: id }, period),
    earningsSummary(db, { influencerId: id }, period, 5, { rollups: false }),
  ]);
  expect(withRollups.totals).toEqual(ledgerOnly.totals);
  return withRollups.totals.reduce((n, t) => n + t.net, 0);
}

describe('when someone claims a tracking ID their organisation already has lines of', () => {
  it('then nothing of it shows until a manager approves with the button, and then every line is theirs to the cent', async () => {
    const t = await team();
    const handle = unique('cl');
    const tag = `${handle}-20`;
    const ingestId = await upload(
      t.organisationId,
      report(['2023-01-01', '2023-01-31'], [row(tag, 'B0CLAIM001', '2023-01-05', '1.50'), row(tag, 'B0CLAIM002', '2023-01-06', '2.26')]),
    );
    // Rolled up as lines nobody holds (rows per tracking ID, which a reader joins to its holder).
    await refreshUntil(db, await lastLineOf(ingestId));

    const influencer = t.member();
    const setup = await answer(influencer, `setup ${handle} ${tag}`);
    const setupText = visibleText(setup.blocks);
    const claim = await claimOf(tag);
    expect(setupText).toContain('Storefront created');
    expect(setupText).toContain(
      `Tracking ID ${tag} (amazon.com) is waiting for verification (claim #${claim.id}): this organisation already has commission lines for it. No figure of it shows to you until then; your links use it meanwhile. A manager can approve it (/storefront claims), or it is verified when this organisation loads an Amazon Associates report that carries it (only the account holder can download one).`,
    );
    expect(buttonsOf(setup)).toEqual([expect.objectContaining({ value: String(claim.id), text: expect.objectContaining({ text: 'Withdraw claim' }) })]);
    expect(claim).toMatchObject({
      organisation_id: t.organisationId,
      reason: 'has_lines',
      status: 'pending',
      holder_influencer_id: null,
      claimant_identity_id: await identityOf(influencer),
    });

    // The claimant sees it waiting, with no figure; their links carry it meanwhile.
    const earnings = await say(influencer, 'earnings', 'all');
    expect(earnings).toContain('Waiting for verification');
    expect(earnings).toContain(`${tag} (amazon.com) — no figures until it is verified`);
    expect(money(earnings)).toEqual([]);
    expect(await net(handle)).toBe(0);
    expect(await say(influencer, 'storefront', 'show')).toContain(`${tag} (amazon.com) · claim #${claim.id} — waiting for verification since`);
    expect(await say(influencer, 'link', 'B0CLAIM009')).toContain(`tag=${tag}`);
    // Managers still see it as an unregistered tracking ID.
    const digest = await buildDigest(db, t.organisationId, { timezone: 'UTC', now: new Date() });
    expect(digest.unattributed.find((u) => u.trackingId === tag)).toMatchObject({ lines: 2, money: [{ currency: 'USD', confirmed: 376, pending: 0 }] });

    expect(await say(t.manager, 'earnings', 'all team')).toContain('1 tracking ID claim waits for a decision: /storefront claims.');
    // The manager's list, with a row of buttons per claim.
    const card = await answer(t.manager, 'claims');
    const listed = visibleText(card.blocks);
    expect(listed).toContain('1 tracking ID claim waits for a decision.');
    expect(listed).toContain(
      `#${claim.id} ${tag} (amazon.com) — @${handle} — nobody here holds it and this organisation has lines of it: approving gives them to the claimant · claimed`,
    );
    const [approve, refuse] = buttonsOf(card);
    expect(approve).toMatchObject({ value: String(claim.id), style: 'primary', text: { text: `Approve #${claim.id}` } });
    expect(refuse).toMatchObject({ value: String(claim.id), style: 'danger', text: { text: `Refuse #${claim.id}` } });

    // Someone who is not a manager presses Approve (their own claim's button, forged from the card): refused.
    const member = t.member();
    for (const who of [influencer, member]) {
      expect(await press(who, { action_id: approve!.action_id, value: approve!.value! })).toContain(
        'Only managers (workspace admins and owners, and people they grant) can approve or refuse tracking ID claims; nothing changed.',
      );
    }
    // A manager of another workspace, with this claim's number in a forged payload: it is not theirs to decide.
    const outsider = newTeam().member();
    fake.setUser(outsider.user, { admin: true });
    expect(await press(outsider, { action_id: 'claim_approve#0', value: String(claim.id) })).toContain(
      `There is no tracking ID claim #${claim.id} in this organisation; nothing changed.`,
    );
    expect(await claimOf(tag)).toMatchObject({ status: 'pending', decided_at: null });
    expect(money(await say(influencer, 'earnings', 'all'))).toEqual([]);

    const approved = await press(t.manager, { action_id: approve!.action_id, value: approve!.value! });
    expect(approved).toContain(
      `Approved claim #${claim.id}: ${tag} is now @${handle}'s; 2 lines of it waiting here became theirs and show in their /earnings.`,
    );
    expect(approved).toContain(`@${handle} sees the outcome in /storefront show.`);
    expect(await claimOf(tag)).toMatchObject({ status: 'approved', decided_by_identity_id: await identityOf(t.manager), decided_at: expect.any(Date) });
    await logs.waitFor('tracking ID claim decided', {
      claimId: Number(claim.id),
      action: 'approve',
      trackingId: tag,
      claimant: handle,
      platform: 'slack',
      user: t.manager.user,
    });

    const after = await say(influencer, 'earnings', 'all');
    expect(money(after).slice(0, 1)).toEqual(['$3.76']);
    expect(after).not.toContain('Waiting for verification');
    expect(await net(handle)).toBe(376);
    expect(await say(influencer, 'storefront', 'show')).toContain(`claim #${claim.id} — approved by a manager on`);
    expect((await buildDigest(db, t.organisationId, { timezone: 'UTC', now: new Date() })).unattributed.map((u) => u.trackingId)).not.toContain(tag);

    // Pressing again changes nothing and says so.
    expect(await press(t.manager, { action_id: refuse!.action_id, value: refuse!.value! })).toContain(
      `Claim #${claim.id} for ${tag} (@${handle}) was already approved on`,
    );
    expect(await claimOf(tag)).toMatchObject({ status: 'approved' });
    expect(await net(handle)).toBe(376);
  });

  it('then a manager may refuse it, a second claim while one is pending is refused, and a claimant may withdraw', async () => {
    const t = await team();
    const handle = unique('cr');
    const [first, second] = [`${handle}-20`, `${handle}x-20`];
    await upload(
      t.organisationId,
      report(['2023-02-01', '2023-02-28'], [row(first, 'B0CLAIM011', '2023-02-05', '4.00'), row(second, 'B0CLAIM012', '2023-02-06', '0.99')]),
    );
    const influencer = t.member();
    expect(await say(influencer, 'storefront', `setup ${handle} ${first}`)).toContain('is waiting for verification');
    const claim = await claimOf(first);

    const before = await db
      .selectFrom('tracking_ids')
      .select(['tracking_id', 'verified'])
      .where('influencer_id', '=', await influencerOf(handle))
      .execute();
    expect(await say(influencer, 'storefront', `setup ${handle} ${second}`)).toContain(
      `You already have a tracking ID claim waiting for verification: ${first} (#${claim.id}, since ${claim.created_at.toISOString().slice(0, 10)}). One claim at a time: a manager must approve or refuse it first; nothing changed.`,
    );
    expect(await say(influencer, 'storefront', `setup ${handle} ${first}`)).toContain(
      `Your claim #${claim.id} for ${first} is already waiting for verification`,
    );
    expect(await say(influencer, 'storefront', `setup ${handle} not_a-tag!`)).toContain('is not a tracking ID');
    expect(
      await db
        .selectFrom('tracking_ids')
        .select(['tracking_id', 'verified'])
        .where('influencer_id', '=', await influencerOf(handle))
        .execute(),
    ).toEqual(before);
    expect(
      await db
        .selectFrom('tracking_id_claims')
        .select('id')
        .where('claimant_influencer_id', '=', await influencerOf(handle))
        .execute(),
    ).toHaveLength(1);

    const [, refuse] = buttonsOf(await answer(t.manager, 'claims'));
    expect(await press(t.manager, { action_id: refuse!.action_id, value: refuse!.value! })).toContain(
      `Refused claim #${claim.id}: @${handle}'s claim to ${first} is closed. ${first} stays unregistered, and @${handle} sees none of its figures.`,
    );
    expect(await claimOf(first)).toMatchObject({ status: 'refused', decided_by_identity_id: await identityOf(t.manager) });
    await logs.waitFor('tracking ID claim decided', { claimId: Number(claim.id), action: 'refuse', user: t.manager.user });
    expect(await db.selectFrom('tracking_ids').select(['verified', 'is_default']).where('tracking_id', '=', first).executeTakeFirstOrThrow()).toEqual({
      verified: false,
      is_default: false,
    });
    expect(await say(influencer, 'storefront', 'show')).toContain(`claim #${claim.id} — refused by a manager on`);
    const earnings = await say(influencer, 'earnings', 'all');
    expect(money(earnings)).toEqual([]);
    expect(earnings).not.toContain('Waiting for verification');

    // Decided: the next claim is allowed, and its claimant (only they) may withdraw it.
    const setup = await answer(influencer, `setup ${handle} ${second}`);
    const withdraw = buttonsOf(setup)[0]!;
    const next = await claimOf(second);
    expect(withdraw.value).toBe(String(next.id));
    expect(await press(t.member(), withdraw as { action_id: string; value: string })).toContain(
      `There is no tracking ID claim #${next.id} of yours; nothing changed.`,
    );
    expect(await press(influencer, withdraw as { action_id: string; value: string })).toContain(`You withdrew claim #${next.id} for ${second}.`);
    expect(await claimOf(second)).toMatchObject({ status: 'withdrawn', decided_by_identity_id: await identityOf(influencer) });
    expect(await say(t.manager, 'storefront', 'claims')).toContain('No tracking ID claims are waiting for a decision.');
  });
});

describe('when the claimant’s organisation loads a report that carries the claimed tracking ID', () => {
  it('then a report received after the claim verifies it, and one received before does not', async () => {
    const t = await team();
    const handle = unique('cv');
    const tag = `${handle}-20`;
    await upload(t.organisationId, report(['2023-03-01', '2023-03-31'], [row(tag, 'B0CLAIM021', '2023-03-05', '0.75')]));
    // Received before the claim (its job runs after it, as a queue backlog would).
    const early = await recordIngest(db, writeReport(report(['2023-04-01', '2023-04-30'], [row(tag, 'B0CLAIM022', '2023-04-05', '1.05')])), {
      organisationId: t.organisationId,
    });

    const influencer = t.member();
    expect(await say(influencer, 'storefront', `setup ${handle} ${tag}`)).toContain('is waiting for verification');
    await app.queues.ingest.add('ingest', { ingestId: early }, { jobId: early });
    expect(await jobFinished(app.queues.ingest, early)).toBe('completed');
    expect(await claimOf(tag)).toMatchObject({ status: 'pending' });
    expect(money(await say(influencer, 'earnings', 'all'))).toEqual([]);

    // The account holder downloads the March report again (nothing new in it) and the organisation loads it.
    const proof = await upload(t.organisationId, report(['2023-03-01', '2023-03-31'], [row(tag, 'B0CLAIM021', '2023-03-05', '0.75')]));
    expect(await claimOf(tag)).toMatchObject({
      status: 'verified_by_report',
      verified_by_ingest_id: proof,
      decided_by_identity_id: null,
      decided_at: expect.any(Date),
    });
    expect(await net(handle)).toBe(180);
    const earnings = await say(influencer, 'earnings', 'all');
    expect(money(earnings).slice(0, 1)).toEqual(['$1.80']);
    expect(earnings).not.toContain('Waiting for verification');
    expect(await say(influencer, 'storefront', 'show')).toContain('verified by a report of this organisation on');
    // Told like anyone whose lines arrive.
    await fake.waitForCall('chat.postMessage', (c) => c.body.channel === `D${influencer.user}`, 10_000);
  });
});

describe('when someone claims a tracking ID another storefront of the organisation holds', () => {
  it('then it stays with its holder, a report does not settle it, and a manager’s approval moves it for new lines only', async () => {
    const t = await team();
    const holderHandle = unique('ch');
    const tag = `${holderHandle}-20`;
    // Lines from before anyone held it, rolled up while unattributed.
    const first = await upload(t.organisationId, report(['2023-05-01', '2023-05-31'], [row(tag, 'B0CLAIM031', '2023-05-05', '1.00')]));
    await refreshUntil(db, await lastLineOf(first));
    expect(
      await db
        .selectFrom('earnings_rollups')
        .select('grain')
        .where('organisation_id', '=', t.organisationId)
        .where('tracking_id', '=', tag)
        .where('influencer_id', 'is', null)
        .execute(),
    ).not.toEqual([]);

    // The holder claims it and a manager approves by typing the claim's number.
    const holder = t.member();
    expect(await say(holder, 'storefront', `setup ${holderHandle} ${tag}`)).toContain('is waiting for verification');
    expect(await say(t.manager, 'storefront', `claims approve #${(await claimOf(tag)).id}`)).toContain(
      `is now @${holderHandle}'s; 1 line of it waiting here became theirs`,
    );
    await upload(t.organisationId, report(['2023-06-01', '2023-06-30'], [row(tag, 'B0CLAIM032', '2023-06-05', '2.00')]));
    expect(await net(holderHandle)).toBe(300);

    const claimantHandle = unique('cc');
    const claimant = t.member();
    const setup = await say(claimant, 'storefront', `setup ${claimantHandle} ${tag}`);
    const dispute = await claimOf(tag);
    expect(setup).toContain(
      `Tracking ID ${tag} (amazon.com) is waiting for verification (claim #${dispute.id}): another storefront here holds it. No figure of it shows to you until then; your links use it meanwhile. Only a manager can decide (/storefront claims): until one approves your claim it stays with its holder; if approved, its new lines are yours and lines already credited stay with the holder.`,
    );
    expect(dispute).toMatchObject({ reason: 'held', status: 'pending', holder_influencer_id: await influencerOf(holderHandle) });

    // A report after the claim still credits the holder and decides nothing.
    await upload(t.organisationId, report(['2023-07-01', '2023-07-31'], [row(tag, 'B0CLAIM033', '2023-07-05', '0.50')]));
    expect(await claimOf(tag)).toMatchObject({ status: 'pending' });
    expect(await net(holderHandle)).toBe(350);
    expect(money(await say(claimant, 'earnings', 'all'))).toEqual([]);

    const card = await answer(t.manager, 'claims');
    expect(visibleText(card.blocks)).toContain(
      `#${dispute.id} ${tag} (amazon.com) — @${claimantHandle} — held by @${holderHandle}: approving moves it to @${claimantHandle} for lines from then on (lines already credited stay with @${holderHandle})`,
    );
    const [approve] = buttonsOf(card);
    expect(await press(t.manager, { action_id: approve!.action_id, value: approve!.value! })).toContain(
      `Approved claim #${dispute.id}: ${tag} moves from @${holderHandle} to @${claimantHandle} for lines from now on. Lines already credited stay with @${holderHandle}.`,
    );
    expect(
      await db.selectFrom('tracking_ids').select(['influencer_id', 'verified']).where('tracking_id', '=', tag).where('verified', '=', true).execute(),
    ).toEqual([{ influencer_id: await influencerOf(claimantHandle), verified: true }]);

    // Past lines stay with the holder (also those rolled up before anyone held it); new ones are the claimant's.
    expect(await net(holderHandle)).toBe(350);
    expect(await net(claimantHandle)).toBe(0);
    const last = await upload(t.organisationId, report(['2023-08-01', '2023-08-31'], [row(tag, 'B0CLAIM034', '2023-08-05', '0.25')]));
    expect(await net(claimantHandle)).toBe(25);
    expect(await net(holderHandle)).toBe(350);
    await refreshUntil(db, await lastLineOf(last));
    expect(await net(holderHandle)).toBe(350);
    expect(await net(claimantHandle)).toBe(25);
    expect(money(await say(holder, 'earnings', 'all')).slice(0, 1)).toEqual(['$3.50']);
    expect(money(await say(claimant, 'earnings', 'all')).slice(0, 1)).toEqual(['$0.25']);
    const teamCard = await say(t.manager, 'earnings', 'all team');
    expect(money(teamCard).slice(0, 1)).toEqual(['$3.75']);
    expect(
      await db
        .selectFrom('ledger_entries')
        .select('influencer_id')
        .where('tracking_id', '=', tag)
        .where('organisation_id', '=', t.organisationId)
        .orderBy('occurred_at')
        .execute(),
    ).toEqual([
      { influencer_id: await influencerOf(holderHandle) },
      { influencer_id: await influencerOf(holderHandle) },
      { influencer_id: await influencerOf(holderHandle) },
      { influencer_id: await influencerOf(claimantHandle) },
    ]);
  });
});
