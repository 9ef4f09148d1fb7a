// A slash command Slack still sends after the app dropped it (its manifest not updated) gets a clear answer in
// the ack, not a timeout; the commands the app has are answered once, as before.
import { afterAll, describe, expect, it } from 'vitest';
import { testDb } from '../support/env.ts';
import { commandForm, newTeam, postToSlackEndpoint, slash, useSlackApp, visibleText } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useSlackApp('xoxb-unknown');

describe('when Slack sends a command the app no longer has', () => {
  it('then the ack itself tells the user, privately, and nothing else is posted', async () => {
    const who = newTeam().member();
    const { id, url } = app.fake.responseUrl();
    const http = await postToSlackEndpoint(app.rt.url, commandForm(who, 'shop-old', 'add B000000001', url), 'application/x-www-form-urlencoded');
    expect(http.status).toBe(200);
    const body = JSON.parse(http.text) as Record<string, unknown>;
    expect(body.response_type).toBe('ephemeral');
    expect(visibleText(body.blocks)).toContain('/shop-old is not a command of this app any more');
    await app.rt.idle();
    expect(app.fake.responses.filter((r) => r.id === id)).toEqual([]);
  });

  it('then a command it has is still answered exactly once, through response_url', async () => {
    const who = newTeam().member();
    const { http, reply } = await slash(app.rt.url, app.fake, who, 'storefront', 'help');
    expect(http.text).toBe('');
    expect(visibleText(reply.body.blocks)).toContain('/storefront');
    await app.rt.idle();
    expect(app.fake.responses.filter((r) => r.id === reply.id)).toHaveLength(1);
  });
});
