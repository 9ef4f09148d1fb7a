// Slack wants an HTTP answer within 3 seconds. With the database really slow (a lock held for 4 seconds),
// the command is still acknowledged at once and its reply arrives at response_url once the work is done.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { commandForm, newTeam, postToSlackEndpoint, useSlackApp, visibleText } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useSlackApp('xoxb-slow');

const LOCK_MS = 4000;

describe('when the database is slow', () => {
  it('then /storefront setup is acknowledged within 3 seconds and answers through response_url after the lock is released', async () => {
    const who = newTeam().member();
    const handle = unique('slow');
    // Warm the workspace and user (users.info cache, identity row) so the lock is the only thing in the way.
    const warm = app.fake.responseUrl();
    await postToSlackEndpoint(app.rt.url, commandForm(who, 'storefront', 'show', warm.url), 'application/x-www-form-urlencoded');
    await app.fake.waitForResponse(warm.id);

    const locker = new pg.Client({ connectionString: inject('databaseUrl') });
    await locker.connect();
    let releasedAt = 0;
    try {
      await locker.query('BEGIN');
      // Blocks this organisation's new rows (setup inserts an influencer, whose key check waits on its organisation's
      // row) and nothing else: other test files write to the same database meanwhile.
      const held = await locker.query(
        'SELECT o.id FROM organisations o JOIN slack_workspaces w ON w.organisation_id = o.id WHERE w.team_id = $1 FOR UPDATE OF o',
        [who.team],
      );
      expect(held.rowCount).toBe(1);
      const release = new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          releasedAt = Date.now();
          locker.query('COMMIT').then(() => resolve(), reject);
        }, LOCK_MS);
      });

      const { id, url } = app.fake.responseUrl();
      const ack = await postToSlackEndpoint(
        app.rt.url,
        commandForm(who, 'storefront', `setup ${handle} ${handle}-20`, url),
        'application/x-www-form-urlencoded',
      );
      expect(ack.status).toBe(200);
      expect(ack.ms).toBeLessThan(3000);
      // Still working: nothing has been answered and nothing written yet.
      expect(app.fake.responses.find((r) => r.id === id)).toBeUndefined();

      await release;
      const reply = await app.fake.waitForResponse(id, 10_000);
      expect(reply.at).toBeGreaterThanOrEqual(releasedAt);
      expect(visibleText(reply.body.blocks)).toContain('Storefront created');
      expect(await db.selectFrom('influencers').select('handle').where('handle', '=', handle).executeTakeFirst()).toEqual({ handle });
    } finally {
      await locker.end();
    }
  });
});
