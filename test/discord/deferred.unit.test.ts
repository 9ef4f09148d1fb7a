// How a deferred answer reaches the person: a private answer is edited into the private placeholder; an answer
// meant for the channel goes out as a follow-up and the private placeholder is removed; past the 15 minutes an
// interaction token lives, nothing is sent.
import { REST } from '@discordjs/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordDeps } from '../../bots/discord/deps.ts';
import { deliverDeferred } from '../../bots/discord/listeners/commands.ts';
import { createLogger } from '../../src/log.ts';
import { unique } from '../support/env.ts';
import { FakeDiscord } from '../support/fakeDiscord.ts';
import { APPLICATION_ID, commandInteraction, newGuild, visibleText, type DiscordMessageLike } from './helpers.ts';
import * as C from '../../src/cards/card.ts';

let fake: FakeDiscord;
let deps: DiscordDeps;
beforeAll(async () => {
  fake = await FakeDiscord.start();
  deps = { rest: new REST({ version: '10', api: fake.apiUrl }), log: createLogger('silent') } as unknown as DiscordDeps;
});
afterAll(async () => {
  await fake?.close();
});

const interaction = (token: string) =>
  commandInteraction(newGuild().member(), 'storefront', 'show', {}, token) as unknown as Parameters<typeof deliverDeferred>[1];

describe('when a deferred command finishes', () => {
  it('then a private answer edits the original, and a channel answer is a follow-up that replaces the private placeholder', async () => {
    const privateToken = unique('tok');
    await deliverDeferred(deps, interaction(privateToken), C.card({ visibility: 'ephemeral' }, [C.text('Only for you')]), Date.now());
    const [edit] = fake.editsOf(privateToken);
    expect(visibleText(edit!.body as DiscordMessageLike)).toContain('Only for you');
    expect(edit!.body).not.toHaveProperty('flags');

    const publicToken = unique('tok');
    await deliverDeferred(deps, interaction(publicToken), C.card({ visibility: 'channel' }, [C.text('For everyone')]), Date.now());
    const [followUp] = fake.callsTo('POST', new RegExp(`^/webhooks/${APPLICATION_ID}/${publicToken}$`));
    expect(followUp!.body).toMatchObject({ flags: 0 });
    expect(visibleText(followUp!.body as DiscordMessageLike)).toContain('For everyone');
    expect(fake.callsTo('DELETE', new RegExp(`^/webhooks/${APPLICATION_ID}/${publicToken}/messages/@original$`))).toHaveLength(1);
    expect(fake.editsOf(publicToken)).toEqual([]);
  });

  it('then after 15 minutes nothing is sent (the token is dead), and a failing edit is only logged', async () => {
    const late = unique('tok');
    await deliverDeferred(deps, interaction(late), C.card({ visibility: 'ephemeral' }, [C.text('Too late')]), Date.now() - 15 * 60_000 - 1000);
    expect(fake.calls.filter((c) => c.path.includes(late))).toEqual([]);
    const failing = unique('tok');
    fake.fail({ path: new RegExp(`/${failing}/messages/@original$`), status: 404, body: { message: 'Unknown Webhook', code: 10015 } });
    await expect(deliverDeferred(deps, interaction(failing), C.card({ visibility: 'ephemeral' }, [C.text('x')]), Date.now())).resolves.toBeUndefined();
  });
});
