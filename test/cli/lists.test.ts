// The list commands an operator (or a script) uses to see what exists: organisations, influencers, links.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runCliCaptured } from '../support/cli.ts';
import { createInfluencer } from '../../src/domain/organisations/influencers.ts';
import type { ClickKind } from '../../src/db/schema.ts';
import { randomAsin } from '../support/fixtures.ts';
import { testDb, unique } from '../support/env.ts';

const db = testDb();
afterAll(() => db.destroy());

const cli = (...args: string[]) => runCliCaptured(args, { DATABASE_URL: inject('databaseUrl'), PUBLIC_BASE_URL: 'https://go.example.com' });

async function jsonList<T>(...args: string[]): Promise<T[]> {
  const r = await cli(...args, '--json');
  expect(r).toMatchObject({ code: 0, err: '' });
  const parsed = JSON.parse(r.out) as unknown;
  expect(Array.isArray(parsed)).toBe(true);
  return parsed as T[];
}

const newOrganisation = async (name: string) => (await db.insertInto('organisations').values({ name }).returning('id').executeTakeFirstOrThrow()).id;

// Other test files create organisations and influencers in the same database at the same time: every assertion
// looks at what this file made.
describe('when an operator lists organisations and influencers', () => {
  const orgName = unique('Acme Agency ');
  const teamId = unique('T').toUpperCase();
  const guildId = String(Date.now()) + String(process.pid);
  const [ann, bob, other] = [unique('ann'), unique('bob'), unique('oth')];
  let orgId: number;
  let emptyOrgId: number;
  let otherOrgId: number;

  beforeAll(async () => {
    orgId = await newOrganisation(orgName);
    emptyOrgId = await newOrganisation(unique('Empty '));
    await db
      .insertInto('slack_workspaces')
      .values({
        team_id: teamId,
        organisation_id: orgId,
        name: 'Acme HQ',
        enterprise_id: null,
        bot_user_id: null,
        bot_token: null,
        installation: null,
        revoked_at: null,
      })
      .execute();
    await db.insertInto('discord_guilds').values({ guild_id: guildId, organisation_id: orgId, name: null }).execute();
    await createInfluencer(db, { handle: ann, displayName: 'Ann A', trackingId: `${ann}-20`, organisationId: orgId });
    await createInfluencer(db, { handle: bob, displayName: 'Bob B', trackingId: `${bob}-21`, marketplace: 'UK', organisationId: orgId });
    expect((await cli('tracking-id', 'add', '--handle', ann, '--tracking-id', `${ann}-21`, '--marketplace', 'UK')).code).toBe(0);
    // Someone else's organisation, its influencer created by the operator with --org.
    otherOrgId = await newOrganisation('Other');
    expect((await cli('influencer', 'create', '--handle', other, '--name', 'Other', '--tracking-id', `${other}-20`, '--org', String(otherOrgId))).code).toBe(0);
    expect((await db.selectFrom('influencers').select('organisation_id').where('handle', '=', other).executeTakeFirstOrThrow()).organisation_id).toBe(
      otherOrgId,
    );
  });

  it('then org list shows each organisation with its workspaces and number of influencers', async () => {
    type Org = {
      id: number;
      name: string;
      workspaces: Array<{ platform: string; workspaceId: string; name: string | null; revoked: boolean }>;
      influencers: number;
    };
    const orgs = await jsonList<Org>('org', 'list');
    expect(orgs.find((o) => o.id === orgId)).toMatchObject({
      name: orgName,
      influencers: 2,
      workspaces: [
        { platform: 'slack', workspaceId: teamId, name: 'Acme HQ', revoked: false },
        { platform: 'discord', workspaceId: guildId, name: null, revoked: false },
      ],
    });
    expect(orgs.find((o) => o.id === emptyOrgId)).toMatchObject({ influencers: 0, workspaces: [] });
    expect(orgs.find((o) => o.id === otherOrgId)).toMatchObject({ name: 'Other', influencers: 1 });

    const text = await cli('org', 'list');
    expect(text.code).toBe(0);
    const lines = text.out.split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +INFLUENCERS +WORKSPACES$/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${orgId} +${orgName} +2 +slack ${teamId} "Acme HQ", discord ${guildId}$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${emptyOrgId} +Empty \\S+ +0 +-$`)));
  });

  it("then influencer list --org shows that organisation's influencers only, with tracking IDs, storefront and creation date", async () => {
    type Inf = { id: number; handle: string; displayName: string; organisationId: number; trackingIds: unknown[]; storefrontUrl: string; createdAt: string };
    const mine = await jsonList<Inf>('influencer', 'list', '--org', String(orgId));
    expect(mine.map((i) => i.handle)).toEqual([ann, bob]);
    const today = new Date().toISOString().slice(0, 10);
    expect(mine[0]).toMatchObject({
      displayName: 'Ann A',
      organisationId: orgId,
      trackingIds: [
        { trackingId: `${ann}-20`, marketplace: 'US', default: true },
        { trackingId: `${ann}-21`, marketplace: 'UK', default: true },
      ],
      storefrontUrl: `https://go.example.com/s/${ann}`,
    });
    expect(mine[0]!.createdAt.slice(0, 10)).toBe(today);
    expect(mine[1]).toMatchObject({ displayName: 'Bob B', trackingIds: [{ trackingId: `${bob}-21`, marketplace: 'UK', default: true }] });

    const text = await cli('influencer', 'list', '--org', String(orgId));
    expect(text.code).toBe(0);
    const lines = text.out.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID +HANDLE +NAME +ORG +TRACKING IDS +STOREFRONT +CREATED$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${mine[0]!.id} +@${ann} +Ann A +${orgId} +${ann}-20 \\(US, default\\), ${ann}-21 \\(UK, default\\) +https://go\\.example\\.com/s/${ann} +${today}$`,
      ),
    );
    expect(lines[2]).toContain(`@${bob}`);
    expect(text.out).not.toContain(other);
  });

  it('then influencer list without --org includes every organisation', async () => {
    const all = await jsonList<{ handle: string; organisationId: number }>('influencer', 'list');
    expect(all.filter((i) => [ann, bob, other].includes(i.handle)).map((i) => [i.handle, i.organisationId])).toEqual([
      [ann, orgId],
      [bob, orgId],
      [other, otherOrgId],
    ]);
  });

  it('then an organisation without influencers lists none, and an unknown or malformed id is refused', async () => {
    expect(await jsonList('influencer', 'list', '--org', String(emptyOrgId))).toEqual([]);
    expect(await cli('influencer', 'list', '--org', String(emptyOrgId))).toMatchObject({ code: 0, out: 'No influencers.' });
    expect(await cli('influencer', 'list', '--org', '999999999')).toMatchObject({
      code: 1,
      out: '',
      err: expect.stringMatching(/^Error: No organisation has the id 999999999\./),
    });
    expect(await cli('influencer', 'list', '--org', 'acme')).toMatchObject({ code: 1, err: expect.stringContaining('"acme" is not an organisation id') });
  });
});

describe("when an operator lists an influencer's links", () => {
  const handle = unique('lnk');
  const [older, newer] = [randomAsin(), randomAsin()];
  let codes: { older: string; newer: string };

  beforeAll(async () => {
    expect((await cli('influencer', 'create', '--handle', handle, '--name', 'Links', '--tracking-id', `${handle}-20`)).code).toBe(0);
    const make = async (asin: string, ...extra: string[]) => {
      const r = await cli('link', 'create', '--handle', handle, '--product', asin, ...extra, '--json');
      expect(r.code).toBe(0);
      return (JSON.parse(r.out) as { code: string }).code;
    };
    codes = { older: await make(older, '--campaign', 'tiktok', '--title', 'Desk Lamp'), newer: await make(newer) };
    await db
      .updateTable('links')
      .set({ created_at: new Date('2026-01-02T10:00:00Z') } as never)
      .where('code', '=', codes.older)
      .execute();
    const link = await db.selectFrom('links').select('id').where('code', '=', codes.older).executeTakeFirstOrThrow();
    const kinds: ClickKind[] = ['click', 'click', 'click', 'repeat', 'preview', 'bot'];
    await db
      .insertInto('clicks')
      .values(
        kinds.map((kind, i) => ({
          link_id: link.id,
          clicked_at: new Date(),
          kind,
          referrer_host: null,
          device: 'desktop' as const,
          country: null,
          visitor_hash: `v${i}`,
        })),
      )
      .execute();
    // Another influencer's link to the same product is not this influencer's.
    const stranger = unique('str');
    await cli('influencer', 'create', '--handle', stranger, '--name', 'S', '--tracking-id', `${stranger}-20`);
    await cli('link', 'create', '--handle', stranger, '--product', older);
  });

  it('then each link shows its short URL, product, campaign and real clicks only, newest first', async () => {
    const links = await jsonList<Record<string, unknown>>('link', 'list', '--handle', handle);
    expect(links).toEqual([
      {
        code: codes.newer,
        shortUrl: `https://go.example.com/l/${codes.newer}`,
        asin: newer,
        marketplace: 'US',
        campaign: '',
        productTitle: null,
        clicks: 0,
        createdAt: expect.any(String),
        disabled: false,
      },
      {
        code: codes.older,
        shortUrl: `https://go.example.com/l/${codes.older}`,
        asin: older,
        marketplace: 'US',
        campaign: 'tiktok',
        productTitle: 'Desk Lamp',
        clicks: 3,
        createdAt: '2026-01-02T10:00:00.000Z',
        disabled: false,
      },
    ]);

    const text = await cli('link', 'list', '--handle', handle.toUpperCase());
    expect(text.code).toBe(0);
    const lines = text.out.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^CODE +SHORT URL +ASIN +STORE +CAMPAIGN +CLICKS +CREATED +PRODUCT$/);
    expect(lines[1]).toMatch(new RegExp(`^${codes.newer} +https://go\\.example\\.com/l/${codes.newer} +${newer} +US +- +0 +\\d{4}-\\d\\d-\\d\\d +-$`));
    expect(lines[2]).toMatch(new RegExp(`^${codes.older} +https://go\\.example\\.com/l/${codes.older} +${older} +US +tiktok +3 +2026-01-02 +Desk Lamp$`));
  });

  it('then an influencer without links gets an empty list, and an unknown handle is refused', async () => {
    const empty = unique('nol');
    await cli('influencer', 'create', '--handle', empty, '--name', 'None', '--tracking-id', `${empty}-20`);
    expect(await jsonList('link', 'list', '--handle', empty)).toEqual([]);
    expect(await cli('link', 'list', '--handle', empty)).toMatchObject({ code: 0, out: 'No links yet.' });
    expect(await cli('link', 'list', '--handle', 'nobody-here')).toMatchObject({ code: 1, out: '', err: 'Error: No storefront has the handle @nobody-here.' });
  });
});
