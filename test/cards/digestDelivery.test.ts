// The digest card's chart and CSV are elements of the card; the Slack sender uploads them into the message's thread,
// chart first, as the scheduled digest always did (the Discord side: test/notifications/digestDiscord.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackSenders } from '../../bots/slack/sender.ts';
import { digestCard } from '../../src/cards/digest.ts';
import type { Config } from '../../src/config.ts';
import { testDb, unique } from '../support/env.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { report } from './digestReport.ts';

const db = testDb();
let fake: FakeSlack;
beforeAll(async () => {
  fake = await FakeSlack.start();
});
afterAll(async () => {
  await fake?.close();
  await db.destroy();
});

describe('when the digest card is sent to a Slack manager', () => {
  it('then the message shows the card and its thread gets the PNG chart, then the CSV', async () => {
    const config = { SLACK_BOT_TOKEN: 'xoxb-cards', SLACK_API_URL: fake.apiUrl } as Config;
    const sender = await createSlackSenders({ config, db }).forWorkspace(unique('T').toUpperCase());
    const user = unique('U').toUpperCase();
    const { reply, csv } = digestCard(report(), { baseUrl: 'https://go.test' });
    await sender.sendToUser(user, reply, { idempotencyKey: unique('digest') });

    const [post] = fake.callsTo('chat.postMessage').filter((c) => c.body.channel === `D${user}`);
    expect(JSON.stringify(post!.body.blocks)).toContain('Team digest · 2026-03-14');
    const uploads = fake.callsTo('files.completeUploadExternal').filter((c) => c.body.channel_id === `D${user}`);
    expect(uploads.map((c) => (c.body.files as Array<{ title?: string }>)[0]!.title)).toEqual(['digest-2026-03-14.png', 'digest-2026-03-14.csv']);
    expect(uploads.every((c) => c.body.thread_ts !== undefined)).toBe(true);
    expect(fake.uploads.some((u) => u.data.includes(Buffer.from(csv, 'utf8')))).toBe(true);
  });
});
