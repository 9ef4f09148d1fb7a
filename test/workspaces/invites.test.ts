// Invites hand a storefront made by the operator (or a manager) to its real owner: the code works once, for 7 days,
// only in the storefront's organisation, and only for the person a manager named; redeeming makes the storefront,
// its tracking IDs and its history that person's.
import { afterAll, describe, expect, it } from 'vitest';
import { reachableInfluencer } from '../../src/domain/workspaces/accountLinks.ts';
import { resolveIdentity, type Identity } from '../../src/domain/workspaces/identities.ts';
import { createInfluencer } from '../../src/domain/organisations/influencers.ts';
import { INVITE_TTL_MS, issueInvite, redeemInvite } from '../../src/domain/workspaces/invites.ts';
import { organisationForWorkspace } from '../../src/domain/workspaces/identities.ts';
import { testDb, unique } from '../support/env.ts';

const db = testDb();
afterAll(() => db.destroy());

/** A Slack workspace (its organisation made on first contact) and a way to meet its members. */
async function workspace() {
  const team = unique('T').toUpperCase();
  const organisationId = await organisationForWorkspace(db, 'slack', team, 'Team');
  const member = (opts: { manager?: boolean } = {}): Promise<Identity> =>
    resolveIdentity(db, { platform: 'slack', workspaceId: team, userId: unique('U').toUpperCase(), platformAdmin: opts.manager ?? false });
  return { organisationId, member };
}

async function storefrontIn(organisationId: number) {
  const handle = unique('inv')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  const { influencer } = await createInfluencer(db, { handle, displayName: 'Jane', trackingId: `${handle}-20`, organisationId });
  return influencer;
}

describe('when the operator invites the real owner of a storefront made from the CLI', () => {
  it('then the person redeems the code from chat and acts as that storefront, once', async () => {
    const w = await workspace();
    const shop = await storefrontIn(w.organisationId);
    const invite = await issueInvite(db, shop.handle);
    expect(invite.code).toMatch(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
    expect(invite.expiresAt.getTime() - Date.now()).toBeGreaterThan(INVITE_TTL_MS - 60_000);

    const jane = await w.member();
    expect(await reachableInfluencer(db, jane)).toBeUndefined();
    // Typed as people type codes: lower case, a space instead of the dash.
    expect(await redeemInvite(db, jane, invite.code.toLowerCase().replace('-', ' '))).toEqual({ influencerId: shop.id, handle: shop.handle, changed: true });
    const me = await resolveIdentity(db, { platform: 'slack', workspaceId: jane.workspaceId, userId: jane.userId, platformAdmin: false });
    expect((await reachableInfluencer(db, me))?.id).toBe(shop.id);

    // Spent: nobody else can use it, and telling it again changes nothing.
    const other = await w.member();
    await expect(redeemInvite(db, other, invite.code)).rejects.toThrow(/not valid: it may be mistyped, used already or expired/);
    expect(
      (await resolveIdentity(db, { platform: 'slack', workspaceId: other.workspaceId, userId: other.userId, platformAdmin: false })).influencerId,
    ).toBeNull();
  });

  it('then an expired code, an older code replaced by a newer one and a code that was never issued read the same, and change nothing', async () => {
    const w = await workspace();
    const shop = await storefrontIn(w.organisationId);
    const old = await issueInvite(db, shop.handle, { now: new Date(Date.now() - INVITE_TTL_MS - 1000) });
    const replaced = await issueInvite(db, shop.handle);
    const current = await issueInvite(db, shop.handle);
    const jane = await w.member();
    for (const code of [old.code, replaced.code, 'ABCDE-FGHJK', 'not a code at all', '']) {
      await expect(redeemInvite(db, jane, code)).rejects.toThrow(/That invite code is not valid/);
    }
    expect((await redeemInvite(db, jane, current.code)).changed).toBe(true);
  });

  it("then a code redeemed in another organisation's workspace is refused there and still works at home", async () => {
    const home = await workspace();
    const elsewhere = await workspace();
    const shop = await storefrontIn(home.organisationId);
    const invite = await issueInvite(db, shop.handle);
    const stranger = await elsewhere.member();
    await expect(redeemInvite(db, stranger, invite.code)).rejects.toThrow(/for a storefront of another organisation/);
    expect((await redeemInvite(db, await home.member(), invite.code)).influencerId).toBe(shop.id);
  });

  it('then someone who already owns a storefront is told so, and the code stays usable for the right person', async () => {
    const w = await workspace();
    const shop = await storefrontIn(w.organisationId);
    const theirs = await storefrontIn(w.organisationId);
    const owner = await w.member();
    await db.updateTable('platform_identities').set({ influencer_id: theirs.id }).where('id', '=', owner.id).execute();
    const invite = await issueInvite(db, shop.handle);
    await expect(redeemInvite(db, { ...owner, influencerId: theirs.id }, invite.code)).rejects.toThrow(
      `This account already has its own storefront, @${theirs.handle}`,
    );
    expect((await redeemInvite(db, await w.member(), invite.code)).changed).toBe(true);
  });
});

describe('when a manager invites a named member from chat', () => {
  it('then only that member can redeem it, members cannot invite, and other organisations’ storefronts are not found', async () => {
    const w = await workspace();
    const shop = await storefrontIn(w.organisationId);
    const manager = await w.member({ manager: true });
    const jane = await w.member();
    const invite = await issueInvite(db, `@${shop.handle}`, { issuedBy: manager, forUser: { platform: 'slack', userId: jane.userId } });
    await expect(redeemInvite(db, await w.member(), invite.code)).rejects.toThrow('That invite was issued to someone else.');
    expect((await redeemInvite(db, jane, invite.code)).influencerId).toBe(shop.id);

    await expect(issueInvite(db, shop.handle, { issuedBy: await w.member() })).rejects.toThrow('Only managers can invite people to a storefront.');
    const foreign = await storefrontIn((await workspace()).organisationId);
    await expect(issueInvite(db, foreign.handle, { issuedBy: manager })).rejects.toThrow(`There is no storefront @${foreign.handle} in this organisation.`);
  });
});
