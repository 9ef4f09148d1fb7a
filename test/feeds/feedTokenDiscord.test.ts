// The same feed-token command on Discord: members with Manage Server or Administrator create and revoke tokens,
// others are refused; the answer is private, and the token acts for the server's organisation.
import { afterAll, describe, expect, it } from 'vitest';
import { testDb } from '../support/env.ts';
import { newGuild, slash, useDiscordApp } from '../discord/helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useDiscordApp();

describe('when a Discord server admin manages feed tokens', () => {
  it('then a token is created privately for the server’s organisation, members are refused, and revoking works', async () => {
    const guild = newGuild();
    const admin = guild.admin();
    const created = await slash(app.rt.url, app.fake, admin, 'storefront', 'feed-token', { action: 'create', token: 'discord uploads' });
    expect(created.ephemeral).toBe(true);
    const token = /aff_ft_[A-Za-z0-9_-]{32}/.exec(created.visible)?.[0];
    expect(token).toBeDefined();
    const org = (await db.selectFrom('discord_guilds').select('organisation_id').where('guild_id', '=', guild.guildId).executeTakeFirstOrThrow())
      .organisation_id;
    const rows = await db.selectFrom('feed_tokens').select(['id', 'name', 'hint']).where('organisation_id', '=', org).execute();
    expect(rows).toEqual([{ id: expect.anything(), name: 'discord uploads', hint: token!.slice(-4) }]);

    const member = guild.member();
    expect((await slash(app.rt.url, app.fake, member, 'storefront', 'feed-token', { action: 'list' })).visible).toContain('Only managers');
    expect((await slash(app.rt.url, app.fake, admin, 'storefront', 'feed-token', { action: 'list' })).visible).toContain(`…${token!.slice(-4)}`);
    expect((await slash(app.rt.url, app.fake, admin, 'storefront', 'feed-token', { action: 'revoke', token: `#${rows[0]!.id}` })).visible).toContain(
      'is revoked',
    );
    expect(await db.selectFrom('feed_tokens').select('revoked_at').where('id', '=', rows[0]!.id).executeTakeFirstOrThrow()).toEqual({
      revoked_at: expect.any(Date),
    });
  });
});
