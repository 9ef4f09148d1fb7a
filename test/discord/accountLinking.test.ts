// One person, a Slack account and a Discord account: a one-time code from the account with the storefront,
// typed on the other, makes both show one storefront and one ledger. Through both real endpoints.
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { useBothPlatforms } from '../support/bothPlatforms.ts';
import { randomAsin, seedEarning } from '../support/fixtures.ts';
import { newTeam } from '../slack/helpers.ts';
import { inDm, newGuild } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const { app, onSlack, onDiscord } = useBothPlatforms('xoxb-linking');

const codeIn = (text: string) => /Your code is ([A-Z0-9]{8})\./.exec(text)?.[1];
const PRODUCT = { asin: 'B0LINKED01', name: 'Linked lamp' };

describe('when an influencer links their Slack account to their Discord account', () => {
  it('then a code from Slack, typed on Discord, gives Discord the same storefront, links and earnings, and works once', async () => {
    const slackUser = newTeam().member();
    app.slack.setUser(slackUser.user, { tz: 'Europe/Berlin' });
    const handle = unique('lk');
    expect((await onSlack(slackUser, 'storefront', `setup ${handle} ${handle}-20`)).visible).toContain('Storefront created');
    const asin = randomAsin();
    await onSlack(slackUser, 'storefront', `add ${asin} Desk`);

    const issued = await onSlack(slackUser, 'storefront', 'link-account');
    expect(issued.ephemeral).toBe(true);
    const code = codeIn(issued.visible);
    expect(code, issued.visible).toBeDefined();
    expect(issued.visible).toContain('10 minutes, once');
    // Stored hashed: the code itself is nowhere in the database.
    expect(await db.selectFrom('account_link_codes').select('code').where('code', '=', code!).execute()).toEqual([]);

    // Discord, in a server of another organisation: nothing yet, then the code.
    const discordUser = newGuild().member();
    expect((await onDiscord(discordUser, 'storefront', 'show')).visible).toContain('You have no storefront yet');
    const linked = await onDiscord(discordUser, 'storefront', 'link-account', { code: code!.toLowerCase() });
    expect(linked.ephemeral).toBe(true);
    expect(linked.visible).toContain(`This account is now linked to your storefront @${handle} from Slack`);

    const shown = await onDiscord(discordUser, 'storefront', 'show');
    expect(shown.visible).toContain(`http://links.test/s/${handle}`);
    expect(shown.visible).toContain(asin);
    // A link made on Discord is the same link Slack hands out.
    const slackLink = /http:\/\/links\.test\/l\/[0-9A-Za-z]{8}/.exec((await onSlack(slackUser, 'link', asin)).visible)![0];
    const discordLink = /http:\/\/links\.test\/l\/[0-9A-Za-z]{8}/.exec((await onDiscord(discordUser, 'link', undefined, { product: asin })).visible)![0];
    expect(discordLink).toBe(slackLink);
    // One ledger: the same figures on both, in the time zone Slack knows (Discord tells none).
    await seedEarning(db, handle, 4321, PRODUCT);
    const slackEarnings = await onSlack(slackUser, 'earnings', 'all');
    const discordEarnings = await onDiscord(discordUser, 'earnings', undefined, { period: 'all' });
    expect(slackEarnings.visible).toContain('$43.21');
    expect(discordEarnings.visible).toContain('$43.21');
    expect(discordEarnings.visible).toContain('Times in Europe/Berlin.');
    // A product added on Discord shows on Slack.
    const second = randomAsin();
    await onDiscord(discordUser, 'storefront', 'add', { product: second });
    expect((await onSlack(slackUser, 'storefront', 'show')).visible).toContain(second);
    // And in DMs with the bot.
    expect((await onDiscord(inDm(discordUser), 'storefront', 'show')).visible).toContain(`@${handle}'s storefront`);

    // Used once: another account cannot use it again.
    const thief = newGuild().member();
    expect((await onDiscord(thief, 'storefront', 'link-account', { code: code! })).visible).toContain('That code is not valid');
    expect((await onDiscord(thief, 'storefront', 'show')).visible).toContain('You have no storefront yet');
  });

  it('then a code from Discord, typed on Slack, works the other way round', async () => {
    const discordUser = newGuild().member();
    const handle = unique('lk');
    await onDiscord(discordUser, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` });
    const issued = await onDiscord(discordUser, 'storefront', 'link-account');
    expect(issued.ephemeral).toBe(true);
    const code = codeIn(issued.visible)!;
    const slackUser = newTeam().member();
    expect((await onSlack(slackUser, 'storefront', `link-account ${code.slice(0, 4)}-${code.slice(4)}`)).visible).toContain(
      `linked to your storefront @${handle} from Discord`,
    );
    expect((await onSlack(slackUser, 'storefront', 'show')).visible).toContain(`http://links.test/s/${handle}`);
    await seedEarning(db, handle, 1500, PRODUCT);
    expect((await onSlack(slackUser, 'earnings', 'all')).visible).toContain('$15.00');
    expect((await onDiscord(discordUser, 'earnings', undefined, { period: 'all' })).visible).toContain('$15.00');
  });

  it('then wrong, expired and superseded codes are refused, as are accounts with a storefront of their own, and nothing changes', async () => {
    const owner = newTeam().member();
    const handle = unique('lk');
    await onSlack(owner, 'storefront', `setup ${handle} ${handle}-20`);
    const other = newGuild().member();
    const identityOf = async (userId: string) =>
      db.selectFrom('platform_identities').select(['id', 'influencer_id']).where('user_id', '=', userId).executeTakeFirst();

    expect((await onDiscord(other, 'storefront', 'link-account', { code: 'WRONG123' })).visible).toContain('That code is not valid');
    expect((await onDiscord(other, 'storefront', 'link-account', { code: 'not a code at all' })).visible).toContain('That code is not valid');

    const first = codeIn((await onSlack(owner, 'storefront', 'link-account')).visible)!;
    const second = codeIn((await onSlack(owner, 'storefront', 'link-account')).visible)!;
    expect(second).not.toBe(first);
    expect((await onDiscord(other, 'storefront', 'link-account', { code: first })).visible).toContain('That code is not valid');

    // Typed on the account that issued it: refused. Then, once expired, refused everywhere.
    expect((await onSlack(owner, 'storefront', `link-account ${second}`)).visible).toContain('Type the code on your other account');
    const ownerIdentity = await db
      .selectFrom('platform_identities')
      .select('id')
      .where('platform', '=', 'slack')
      .where('user_id', '=', owner.user)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('account_link_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('identity_id', '=', ownerIdentity.id)
      .execute();
    expect((await onDiscord(other, 'storefront', 'link-account', { code: second })).visible).toContain('That code is not valid');
    expect((await identityOf(other.userId))?.influencer_id ?? null).toBeNull();

    // An account with its own storefront cannot be linked to another one.
    const third = codeIn((await onSlack(owner, 'storefront', 'link-account')).visible)!;
    const busy = newGuild().member();
    const busyHandle = unique('lk');
    await onDiscord(busy, 'storefront', 'setup', { handle: busyHandle, 'tracking-id': `${busyHandle}-20` });
    expect((await onDiscord(busy, 'storefront', 'link-account', { code: third })).visible).toContain(
      `This account already has its own storefront, @${busyHandle}`,
    );
    expect((await onDiscord(busy, 'storefront', 'show')).visible).toContain(`@${busyHandle}'s storefront`);
    // The refusal did not spend the code.
    expect((await onDiscord(other, 'storefront', 'link-account', { code: third })).visible).toContain(`linked to your storefront @${handle}`);

    // Asking for a code without a storefront says what to do instead.
    expect((await onDiscord(newGuild().member(), 'storefront', 'link-account')).visible).toContain('This account has no storefront.');
  });
});
