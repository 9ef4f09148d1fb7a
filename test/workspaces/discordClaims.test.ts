// Tracking ID claims through the real Discord endpoint: the claimant's card and the managers' list carry buttons
// (custom_id "<action>:<claim>"); a press is answered privately, and only a manager of the claim's organisation (Manage
// Server or Administrator there) can approve or refuse, whatever the pressed payload says.
import { afterAll, describe, expect, it } from 'vitest';
import { parsePeriod } from '../../src/domain/earnings/period.ts';
import { earningsSummary } from '../../src/domain/earnings/summary.ts';
import { testDb, unique } from '../support/env.ts';
import { earningsCsv, ingest, writeReport } from '../support/ingest.ts';
import { commandInteraction, newGuild, postInteraction, slash, useDiscordApp, visibleText, type DiscordMessageLike, type Who } from '../discord/helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useDiscordApp();

type Button = { type: number; style: number; label?: string; custom_id?: string; url?: string };
const buttonsOf = (m: DiscordMessageLike) => (m.components ?? []).flatMap((r) => r.components as Button[]).filter((b) => b.custom_id !== undefined);

/** Presses a button as Discord sends it (a signed component interaction from `who`). */
async function press(who: Who, customId: string) {
  const base = commandInteraction(who, 'storefront', 'show');
  const http = await postInteraction(
    app.rt.url,
    JSON.stringify({ ...base, type: 3, data: { custom_id: customId, component_type: 2 }, message: { id: '1', channel_id: base.channel_id } }),
  );
  expect(http.status).toBe(200);
  expect(http.ms).toBeLessThan(3000);
  const json = http.json as { type: number; data?: DiscordMessageLike };
  return { type: json.type, ephemeral: ((json.data?.flags ?? 0) & 64) === 64, visible: visibleText(json.data) };
}

const row = (tag: string, asin: string, day: string, fees: string) => `Kitchen,Pan,${asin},Amazon.com,${tag},${day} 10:00:00,10.00,1,0,10.00,${fees},DESKTOP`;
const claimOf = (trackingId: string) =>
  db.selectFrom('tracking_id_claims').selectAll().where('tracking_id', '=', trackingId).orderBy('id', 'desc').executeTakeFirstOrThrow();
const money = (text: string) => [...text.matchAll(/-?\$[\d,]+\.\d{2}/g)].map((m) => m[0]);

async function net(handle: string): Promise<number> {
  const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
  return (await earningsSummary(db, { influencerId: id }, parsePeriod('all', 'UTC'))).totals.reduce((n, t) => n + t.net, 0);
}

/** A server whose organisation has lines of `tags` nobody holds; its admin has looked at the (empty) claims list. */
async function serverWithLines(tags: Array<[string, string]>) {
  const guild = newGuild();
  const admin = guild.admin();
  expect((await slash(app.rt.url, app.fake, admin, 'storefront', 'claims')).visible).toContain('No tracking ID claims are waiting for a decision.');
  const organisationId = (await db.selectFrom('discord_guilds').select('organisation_id').where('guild_id', '=', guild.guildId).executeTakeFirstOrThrow())
    .organisation_id;
  const r = await ingest(
    db,
    writeReport(
      earningsCsv(
        ['2023-09-01', '2023-09-30'],
        tags.map(([tag, fees], i) => row(tag, `B0DCLAIM0${i}`, '2023-09-05', fees)),
      ),
    ),
    { organisationId },
  );
  expect(r.counts).toMatchObject({ accepted: tags.length, unattributed: tags.length });
  return { guild, admin, organisationId };
}

describe('when a Discord member claims a tracking ID their server’s organisation has lines of', () => {
  it('then a manager approves it with the button, non-managers and other servers’ managers are refused, and the figures are exact', async () => {
    const handle = unique('dc');
    const tag = `${handle}-20`;
    const s = await serverWithLines([
      [tag, '1.25'],
      [tag, '0.10'],
    ]);
    const claimant = s.guild.member();
    const setup = await slash(app.rt.url, app.fake, claimant, 'storefront', 'setup', { handle, 'tracking-id': tag });
    const claim = await claimOf(tag);
    expect(setup.ephemeral).toBe(true);
    expect(setup.visible).toContain(
      `Tracking ID ${tag} (amazon.com) is waiting for verification (claim #${claim.id}): this organisation already has commission lines for it.`,
    );
    expect(buttonsOf(setup.message)).toEqual([{ type: 2, style: 2, label: 'Withdraw claim', custom_id: `claim_withdraw:${claim.id}` }]);
    const waiting = await slash(app.rt.url, app.fake, claimant, 'earnings', undefined, { period: 'all' });
    expect(waiting.visible).toContain(`${tag} (amazon.com) — no figures until it is verified`);
    expect(money(waiting.visible)).toEqual([]);

    const list = await slash(app.rt.url, app.fake, s.admin, 'storefront', 'claims');
    expect(list.ephemeral).toBe(true);
    expect(list.visible).toContain(`#${claim.id} ${tag} (amazon.com) — @${handle}`);
    expect(list.message.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: `Approve #${claim.id}`, custom_id: `claim_approve:${claim.id}` },
          { type: 2, style: 4, label: `Refuse #${claim.id}`, custom_id: `claim_refuse:${claim.id}` },
        ],
      },
    ]);

    // A member without Manage Server, the claimant themself, and an admin of another server with a forged custom_id.
    for (const who of [s.guild.member(), claimant]) {
      const refused = await press(who, `claim_approve:${claim.id}`);
      expect(refused).toMatchObject({ type: 4, ephemeral: true });
      expect(refused.visible).toContain(
        'Only managers (workspace admins and owners, and people they grant) can approve or refuse tracking ID claims; nothing changed.',
      );
    }
    expect((await press(newGuild().admin(), `claim_approve:${claim.id}`)).visible).toContain(
      `There is no tracking ID claim #${claim.id} in this organisation; nothing changed.`,
    );
    expect((await press(s.admin, 'claim_approve:not-a-number')).visible).toContain('A claim is named by its number');
    expect(await claimOf(tag)).toMatchObject({ status: 'pending' });
    expect(await net(handle)).toBe(0);

    const approved = await press(s.admin, `claim_approve:${claim.id}`);
    expect(approved).toMatchObject({ type: 4, ephemeral: true });
    expect(approved.visible).toContain(
      `Approved claim #${claim.id}: ${tag} is now @${handle}'s; 2 lines of it waiting here became theirs and show in their /earnings.`,
    );
    const adminIdentity = await db
      .selectFrom('platform_identities')
      .select('id')
      .where('workspace_id', '=', s.guild.guildId)
      .where('user_id', '=', s.admin.userId)
      .executeTakeFirstOrThrow();
    expect(await claimOf(tag)).toMatchObject({ status: 'approved', decided_by_identity_id: adminIdentity.id });
    expect(await net(handle)).toBe(135);
    expect(money((await slash(app.rt.url, app.fake, claimant, 'earnings', undefined, { period: 'all' })).visible).slice(0, 1)).toEqual(['$1.35']);
    expect((await press(s.admin, `claim_refuse:${claim.id}`)).visible).toContain(`Claim #${claim.id} for ${tag} (@${handle}) was already approved on`);
    expect(await net(handle)).toBe(135);
  });

  it('then a manager refuses it with the button and the claimant sees the outcome, with none of its figures', async () => {
    const handle = unique('dr');
    const tag = `${handle}-20`;
    const s = await serverWithLines([[tag, '3.33']]);
    const claimant = s.guild.member();
    expect((await slash(app.rt.url, app.fake, claimant, 'storefront', 'setup', { handle, 'tracking-id': tag })).visible).toContain(
      'is waiting for verification',
    );
    const claim = await claimOf(tag);
    const [, refuse] = buttonsOf((await slash(app.rt.url, app.fake, s.admin, 'storefront', 'claims')).message);
    const refused = await press(s.admin, refuse!.custom_id!);
    expect(refused.visible).toContain(
      `Refused claim #${claim.id}: @${handle}'s claim to ${tag} is closed. ${tag} stays unregistered, and @${handle} sees none of its figures.`,
    );
    expect(await claimOf(tag)).toMatchObject({ status: 'refused' });
    expect((await slash(app.rt.url, app.fake, claimant, 'storefront', 'show')).visible).toContain(`claim #${claim.id} — refused by a manager on`);
    expect(money((await slash(app.rt.url, app.fake, claimant, 'earnings', undefined, { period: 'all' })).visible)).toEqual([]);
    expect(await net(handle)).toBe(0);
    // A button the app does not know is answered at once, privately, and changes nothing.
    const stale = await postInteraction(
      app.rt.url,
      JSON.stringify({ ...commandInteraction(s.admin, 'storefront', 'show'), type: 3, data: { custom_id: 'someone_else:1', component_type: 2 } }),
    );
    expect(stale.json).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(await claimOf(tag)).toMatchObject({ status: 'refused' });
  });
});
