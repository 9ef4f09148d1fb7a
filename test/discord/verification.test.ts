// Discord signs every interaction with the app's Ed25519 key. Anything not signed by that key, signed over a
// different body or timestamp, too old, or replayed is refused with 401 before any work, and changes nothing.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { commandInteraction, newGuild, postInteraction, signBody, slash, useDiscordApp } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useDiscordApp();

const now = () => String(Math.floor(Date.now() / 1000));

/** What a setup attempt could have created: the handle, the guild's organisation, any identity of the user. */
async function traces(handle: string, guildId: string, userId: string) {
  return {
    influencers: await db.selectFrom('influencers').select('id').where('handle', '=', handle).execute(),
    guilds: await db.selectFrom('discord_guilds').select('guild_id').where('guild_id', '=', guildId).execute(),
    identities: await db.selectFrom('platform_identities').select('id').where('platform', '=', 'discord').where('user_id', '=', userId).execute(),
  };
}

const nothing = { influencers: [], guilds: [], identities: [] };

describe('when Discord checks the endpoint with a PING', () => {
  it('then a signed PING gets a PONG, and an unsigned one a 401', async () => {
    const body = JSON.stringify({ id: '1', application_id: '1100000000000000001', type: 1, token: 't', version: 1 });
    const pong = await postInteraction(app.rt.url, body);
    expect(pong.status).toBe(200);
    expect(pong.json).toEqual({ type: 1 });
    const unsigned = await fetch(`${app.rt.url}/discord/interactions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(unsigned.status).toBe(401);
  });
});

describe('when a request is not what Discord signed', () => {
  it('then a wrong key, a tampered body, a tampered timestamp, a stale timestamp and a replay are all refused with 401 and nothing changes', async () => {
    const guild = newGuild();
    const who = guild.member();
    const handle = unique('dv');
    const body = JSON.stringify(commandInteraction(who, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` }));
    const ts = now();
    const good = signBody(ts, body);

    const stranger = generateKeyPairSync('ed25519').privateKey;
    const cases: Array<[string, Promise<{ status: number; text: string }>]> = [
      ['another key', postInteraction(app.rt.url, body, { timestamp: ts, signature: signBody(ts, body, stranger) })],
      ['tampered body', postInteraction(app.rt.url, body.replace(`${handle}-20`, `${handle}-21`), { timestamp: ts, signature: good })],
      ['tampered timestamp', postInteraction(app.rt.url, body, { timestamp: String(Number(ts) - 1), signature: good })],
      ['stale timestamp', postInteraction(app.rt.url, body, { timestamp: String(Number(ts) - 301), signature: signBody(String(Number(ts) - 301), body) })],
      ['future timestamp', postInteraction(app.rt.url, body, { timestamp: String(Number(ts) + 400), signature: signBody(String(Number(ts) + 400), body) })],
      ['garbage signature', postInteraction(app.rt.url, body, { timestamp: ts, signature: 'zz'.repeat(64) })],
      ['short signature', postInteraction(app.rt.url, body, { timestamp: ts, signature: good.slice(0, 64) })],
      ['no timestamp', postInteraction(app.rt.url, body, { timestamp: '', signature: good })],
    ];
    for (const [what, answer] of cases) {
      const a = await answer;
      expect(a.status, what).toBe(401);
      expect(a.text, what).not.toContain('Storefront');
    }
    expect(await traces(handle, guild.guildId, who.userId)).toEqual(nothing);
    expect(app.fake.calls).toEqual([]);
  });

  it('then the same signed request twice is taken once: the replay gets 401', async () => {
    const guild = newGuild();
    const who = guild.member();
    const handle = unique('dr');
    const body = JSON.stringify(commandInteraction(who, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` }));
    const ts = now();
    const signature = signBody(ts, body);
    const first = await postInteraction(app.rt.url, body, { timestamp: ts, signature });
    expect(first.status).toBe(200);
    // Same signature in upper case is the same signature.
    const again = await postInteraction(app.rt.url, body, { timestamp: ts, signature: signature.toUpperCase() });
    expect(again.status).toBe(401);
    expect(again.text).toBe('Replayed request');
    expect((await traces(handle, guild.guildId, who.userId)).influencers).toHaveLength(1);
  });

  it('then a body over the cap is refused with 413 before it is verified or read further', async () => {
    const big = JSON.stringify({ type: 1, pad: 'x'.repeat(300 * 1024) });
    const answer = await postInteraction(app.rt.url, big);
    expect(answer.status).toBe(413);
  });

  it('then a signed body that is not JSON gets 400, and a good command after all that still works', async () => {
    const bad = await postInteraction(app.rt.url, 'not json');
    expect(bad.status).toBe(400);
    const who = newGuild().member();
    const handle = unique('dok');
    const r = await slash(app.rt.url, app.fake, who, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` });
    expect(r.visible).toContain('Storefront created');
  });
});

describe('when Discord sends other kinds of interaction', () => {
  it('then a button press it does not know, a form or a context-menu command gets a private note at once, and an unknown type a 400', async () => {
    const who = newGuild().member();
    const base = commandInteraction(who, 'storefront', 'show');
    const component = await postInteraction(app.rt.url, JSON.stringify({ ...base, type: 3, data: { custom_id: 'x', component_type: 2 } }));
    expect(component.json).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(JSON.stringify(component.json)).toContain("isn't available any more");
    const modal = await postInteraction(app.rt.url, JSON.stringify({ ...base, type: 5, data: { custom_id: 'x', components: [] } }));
    expect(modal.json).toMatchObject({ type: 4, data: { flags: 64, allowed_mentions: { parse: [] } } });
    const userCommand = await postInteraction(app.rt.url, JSON.stringify({ ...base, data: { id: '1', name: 'Show storefront', type: 2, target_id: '2' } }));
    expect(userCommand.json).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(JSON.stringify(userCommand.json)).toContain('This app only has slash commands.');
    const unknownCommand = await postInteraction(app.rt.url, JSON.stringify({ ...base, data: { id: '1', name: 'frobnicate', type: 1 } }));
    expect(JSON.stringify(unknownCommand.json)).toContain('is not a command of this app any more');
    const unknown = await postInteraction(app.rt.url, JSON.stringify({ ...base, type: 99 }));
    expect(unknown.status).toBe(400);
  });
});
