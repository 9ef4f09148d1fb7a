// Interactions the app does not handle (a button from an old message, a link button, a shortcut or form of another
// version) are acknowledged within Slack's 3 seconds; where Slack gives a response_url, the person is told privately
// that the button is gone. Nothing else is posted.
import { afterAll, describe, expect, it } from 'vitest';
import { testDb } from '../support/env.ts';
import { newTeam, postToSlackEndpoint, pressButton, useSlackApp, visibleText, type Who } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useSlackApp('xoxb-unhandled');

const post = (payload: Record<string, unknown>) =>
  postToSlackEndpoint(app.rt.url, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');

const press = (who: Who, actionId: string, responseUrl: string) => pressButton(app.rt.url, who, { action_id: actionId, value: '7' }, responseUrl);

describe('when someone presses a button the app does not have', () => {
  it('then Slack gets its acknowledgement at once and the person a private note that the button is gone', async () => {
    const who = newTeam().member();
    const { id, url } = app.fake.responseUrl();
    const http = await press(who, 'approve_claim_v0', url);
    expect(http.status).toBe(200);
    expect(http.ms).toBeLessThan(3000);
    const reply = await app.fake.waitForResponse(id, 10_000);
    expect(reply.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(visibleText(reply.body.blocks)).toContain("That button or shortcut isn't available any more");
    await app.rt.idle();
    expect(app.fake.responses.filter((r) => r.id === id)).toHaveLength(1);
  });

  it('then a link button (Slack opens its URL itself) is acknowledged and nothing is said', async () => {
    const who = newTeam().member();
    const { id, url } = app.fake.responseUrl();
    const http = await press(who, 'link_button_0', url);
    expect(http.status).toBe(200);
    await app.rt.idle();
    expect(app.fake.responses.filter((r) => r.id === id)).toEqual([]);
  });
});

describe('when Slack sends a shortcut, form or menu the app does not have', () => {
  it('then a message shortcut is acknowledged and the person told privately', async () => {
    const who = newTeam().member();
    const { id, url } = app.fake.responseUrl();
    const http = await post({
      type: 'message_action',
      callback_id: 'save_to_storefront',
      trigger_id: '1.2.3',
      team: { id: who.team, domain: 'x' },
      user: { id: who.user, team_id: who.team },
      channel: { id: 'C0TEST', name: 'general' },
      message: { type: 'message', ts: '1.1', text: 'look' },
      message_ts: '1.1',
      response_url: url,
      token: 'x',
    });
    expect(http.status).toBe(200);
    expect(http.ms).toBeLessThan(3000);
    const reply = await app.fake.waitForResponse(id, 10_000);
    expect(visibleText(reply.body.blocks)).toContain("isn't available any more");
  });

  it('then a global shortcut, a form submission and an options request are acknowledged at once', async () => {
    const who = newTeam().member();
    const base = { team: { id: who.team, domain: 'x' }, user: { id: who.user, team_id: who.team }, token: 'x', api_app_id: 'AFAKE' };
    const shortcut = await post({ ...base, type: 'shortcut', callback_id: 'old_shortcut', trigger_id: '1.2.3' });
    expect(shortcut).toMatchObject({ status: 200, text: '' });
    const view = await post({
      ...base,
      type: 'view_submission',
      trigger_id: '1.2.3',
      view: { id: 'V1', callback_id: 'old_modal', type: 'modal', state: { values: {} }, private_metadata: '', hash: 'h' },
    });
    expect(view).toMatchObject({ status: 200, text: '' });
    const options = await post({ ...base, type: 'block_suggestion', action_id: 'old_menu', block_id: 'b1', value: 'ab', container: { type: 'message' } });
    expect(options.status).toBe(200);
    expect(JSON.parse(options.text)).toEqual({ options: [] });
    for (const answer of [shortcut, view, options]) expect(answer.ms).toBeLessThan(3000);
  });
});
