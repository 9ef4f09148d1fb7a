// Discord wants the HTTP answer within 3 seconds. With the database really slow (a lock held for 4 seconds),
// the command is deferred in time (type 5, ephemeral) and its answer edited into @original once the work is done.
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { APPLICATION_ID, commandInteraction, type DiscordMessageLike, newGuild, postInteraction, slash, useDiscordApp, visibleText } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useDiscordApp();

const LOCK_MS = 4000;

describe('when the database is slow', () => {
  it('then /storefront setup is deferred within 3 seconds and the answer edited into the original after the lock is released', async () => {
    const who = newGuild().member();
    const handle = unique('slow');
    // Warm the guild and user (identity row) so the lock is the only thing in the way; a fast command is answered at once.
    const warm = await slash(app.rt.url, app.fake, who, 'storefront', 'show');
    expect(warm.type).toBe(4);

    const locker = new pg.Client({ connectionString: inject('databaseUrl') });
    await locker.connect();
    let releasedAt = 0;
    try {
      await locker.query('BEGIN');
      // Blocks this organisation's new rows (setup inserts an influencer, whose key check waits on its organisation's
      // row) and nothing else: other test files write to the same database meanwhile.
      const held = await locker.query(
        'SELECT o.id FROM organisations o JOIN discord_guilds g ON g.organisation_id = o.id WHERE g.guild_id = $1 FOR UPDATE OF o',
        [who.guildId],
      );
      expect(held.rowCount).toBe(1);
      const release = new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          releasedAt = Date.now();
          locker.query('COMMIT').then(() => resolve(), reject);
        }, LOCK_MS);
      });

      const token = unique('tok');
      const answer = await postInteraction(
        app.rt.url,
        JSON.stringify(commandInteraction(who, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` }, token)),
      );
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(3000);
      // Deferred, privately: the person sees "thinking…" only to themselves.
      expect(answer.json).toEqual({ type: 5, data: { flags: 64 } });
      // Still working: nothing edited and nothing written yet.
      expect(app.fake.editsOf(token)).toEqual([]);
      expect(await db.selectFrom('influencers').select('id').where('handle', '=', handle).execute()).toEqual([]);

      await release;
      const edit = await app.fake.waitForCall('PATCH', new RegExp(`^/webhooks/${APPLICATION_ID}/${token}/messages/@original$`), 10_000);
      expect(edit.at).toBeGreaterThanOrEqual(releasedAt);
      // Interaction webhooks are authorised by their token, never with the bot token.
      expect(edit.auth).toBeUndefined();
      const message = edit.body as DiscordMessageLike;
      expect(visibleText(message)).toContain('Storefront created');
      expect(message.allowed_mentions).toEqual({ parse: [] });
      expect(app.fake.editsOf(token)).toHaveLength(1);
      expect(await db.selectFrom('influencers').select('handle').where('handle', '=', handle).executeTakeFirst()).toEqual({ handle });
    } finally {
      await locker.end();
    }
  });
});
