import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { createLogger } from '../../src/log.ts';
import { testConfig, testDb } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { waitFor } from '../support/wait.ts';
import { Relay } from '../faults/support/relay.ts';
import { failOnUnheardErrors } from './support/unheard.ts';

failOnUnheardErrors();
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const db = testDb();
afterAll(() => db.destroy());

/** Status and how long it took, ms. */
const timed = async (url: string) => {
  const t = performance.now();
  const res = await fetch(url, { redirect: 'manual', headers: { 'user-agent': BROWSER }, signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  return { status: res.status, ms: performance.now() - t, body };
};

describe('when Postgres stalls (packets held, nothing refused)', () => {
  it('then a link in no cache answers "Try again shortly" within the lookup timeout, known links keep redirecting, and the cold link works once it is back', async () => {
    const relay = await Relay.start({ host: new URL(inject('databaseUrl')).hostname, port: Number(new URL(inject('databaseUrl')).port || 5432) });
    const { influencer } = await seedInfluencer(db);
    const { link: warm } = await seedLink(db, influencer.id);
    const { link: cold } = await seedLink(db, influencer.id);
    const app = (await startRuntime(testConfig({ DATABASE_URL: relay.via(inject('databaseUrl')), REDIRECT_LOOKUP_TIMEOUT_MS: '500' }), {
      web: true,
      log: createLogger('silent'),
    })) as Runtime & { url: string };
    try {
      expect((await timed(`${app.url}/l/${warm.code}`)).status).toBe(302);
      relay.pause();
      for (let i = 0; i < 3; i++) {
        const r = await timed(`${app.url}/l/${cold.code}`);
        expect(r.status).toBe(503);
        expect(r.body).toContain('Try again shortly');
        expect(r.ms).toBeLessThan(1500);
        expect((await timed(`${app.url}/l/${warm.code}`)).status).toBe(302);
      }
      expect(app.connections.postgres.available).toBe(false);
      relay.resume();
      await waitFor(
        () => timed(`${app.url}/l/${cold.code}`).then((r) => r.status),
        (s) => s === 302,
        10_000,
      );
    } finally {
      await app.close();
      await relay.close();
    }
  });
});

describe('when a statement runs past DATABASE_STATEMENT_TIMEOUT_MS', () => {
  it('then Postgres cancels it and the connection goes on serving', async () => {
    const app = await startRuntime(testConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '200' }), { log: createLogger('silent') });
    try {
      await expect(sql`select pg_sleep(2)`.execute(app.db)).rejects.toMatchObject({ code: '57014' });
      const { rows } = await sql<{ t: string }>`select current_setting('statement_timeout') as t`.execute(app.db);
      expect(rows[0]!.t).toBe('200ms');
    } finally {
      await app.close();
    }
  });

  it('then by default it is generous (five minutes) and redirect lookups have their own short one', async () => {
    const app = await startRuntime(testConfig(), { log: createLogger('silent') });
    try {
      const { rows } = await sql<{ t: string }>`select current_setting('statement_timeout') as t`.execute(app.db);
      expect(rows[0]!.t).toBe('5min');
      expect(app.config.REDIRECT_LOOKUP_TIMEOUT_MS).toBe(1000);
    } finally {
      await app.close();
    }
  });
});
