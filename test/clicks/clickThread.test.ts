// The redirect's clicks are classified, hashed and written on a thread of their own (src/domain/clicks/clickThread.ts):
// what a follower's click becomes in Postgres must not change, none may be lost on the way, and Postgres being away
// or the thread failing must be told to the process as before.
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { isConnectionError } from '../../src/connectionState.ts';
import type { ClickKind } from '../../src/db/schema.ts';
import { ClickThread, type ClickThreadOptions } from '../../src/domain/clicks/clickThread.ts';
import { testDb, unique } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { waitFor } from '../support/wait.ts';

const db = testDb();
afterAll(() => db.destroy());

const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const SLACK = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';

function thread(overrides: Partial<ClickThreadOptions['settings']> = {}, events: Partial<ClickThreadOptions> = {}) {
  const written = new Map<ClickKind, number>();
  const errors: unknown[] = [];
  const t = new ClickThread({
    settings: {
      databaseUrl: inject('databaseUrl'),
      redisUrl: inject('redisUrl'),
      queuePrefix: `${inject('queuePrefix')}_${unique('ct')}`,
      secret: 'test-secret-test-secret',
      flushMs: 60_000,
      batchSize: 1000,
      maxBuffered: 10_000,
      poolSize: 1,
      ...overrides,
    },
    onWritten: (kind, n) => written.set(kind, (written.get(kind) ?? 0) + n),
    onError: (err) => errors.push(err),
    ...events,
  });
  t.start();
  return { t, written, errors };
}

const clicksOf = (linkId: number) =>
  db.selectFrom('clicks').select(['kind', 'device', 'referrer_host', 'country', 'visitor_hash']).where('link_id', '=', linkId).orderBy('id').execute();

describe('when redirects hand their clicks to the click thread', () => {
  it('then each is written once as a click, repeat or preview, with its device, referrer and country, and none waits after a flush', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const { t, written } = thread();
    try {
      const at = new Date();
      t.push({ linkId: link.id, at, ip: '198.51.100.1', userAgent: BROWSER, referer: 'https://www.instagram.com/p/1', country: 'DE' });
      t.push({ linkId: link.id, at, ip: '198.51.100.1', userAgent: BROWSER, referer: undefined, country: null }); // same visitor
      t.push({ linkId: link.id, at, ip: '198.51.100.2', userAgent: SLACK, referer: undefined, country: null });
      expect(t.depth).toBe(3);
      expect(t.lagMs(at.getTime() + 250)).toBe(250);
      await t.flush();
      expect(t.depth).toBe(0);
      expect(t.lagMs()).toBe(0);
      const rows = await clicksOf(link.id);
      expect(rows.map((r) => [r.kind, r.device, r.referrer_host, r.country])).toEqual([
        ['click', 'mobile', 'www.instagram.com', 'DE'],
        ['repeat', 'mobile', null, null],
        ['preview', 'unknown', null, null],
      ]);
      expect(rows[0]!.visitor_hash).toBe(rows[1]!.visitor_hash);
      expect(Object.fromEntries(written)).toEqual({ click: 1, repeat: 1, preview: 1 });
    } finally {
      await t.stop();
    }
  });

  it('then stopping writes every click taken before it, however many, and the process may exit', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const { t } = thread({ batchSize: 500 });
    for (let i = 0; i < 5000; i++)
      t.push({ linkId: link.id, at: new Date(), ip: `10.1.${i >> 8}.${i & 255}`, userAgent: BROWSER, referer: undefined, country: null });
    expect(await t.stop()).toBe(0);
    expect(await clicksOf(link.id)).toHaveLength(5000);
  });
});

describe('when Postgres cannot be reached from the click thread', () => {
  it('then the clicks wait and count as waiting, the failure reaches the process as a connection error, and stop reports them', async () => {
    const { t, errors } = thread({ databaseUrl: 'postgres://postgres@127.0.0.1:1/nowhere' });
    t.push({ linkId: 1, at: new Date(), ip: '198.51.100.9', userAgent: BROWSER, referer: undefined, country: null });
    t.push({ linkId: 1, at: new Date(), ip: '198.51.100.9', userAgent: BROWSER, referer: undefined, country: null });
    await t.flush();
    expect(t.depth).toBe(2);
    expect(t.lagMs()).toBeGreaterThanOrEqual(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every(isConnectionError)).toBe(true);
    expect(await t.stop(300)).toBe(2);
  });
});

describe('when the click thread fails', () => {
  it('then its clicks are reported lost, another thread takes over, and later clicks are written', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const failures: Array<{ err: Error; lost: number }> = [];
    const { t } = thread({}, { onThreadFailed: (err, lost) => failures.push({ err, lost }) });
    try {
      t.push({ linkId: link.id, at: new Date(), ip: '198.51.100.20', userAgent: BROWSER, referer: undefined, country: null });
      await waitFor(
        async () => t.depth,
        // Handed over and taken in by the thread, not written (the flush is a minute away).
        (d) => d === 1 && (t as unknown as { last: { received: number } }).last.received === 1,
      );
      // The thread ends as a crash would end it (an uncaught error, the allocator giving up).
      await (t as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await waitFor(
        async () => failures.length,
        (n) => n === 1,
      );
      expect(failures[0]!.lost).toBe(1);
      expect(t.depth).toBe(0);
      t.push({ linkId: link.id, at: new Date(), ip: '198.51.100.21', userAgent: BROWSER, referer: undefined, country: null });
      await waitFor(
        async () => {
          await t.flush();
          return clicksOf(link.id);
        },
        (rows) => rows.length === 1,
      );
    } finally {
      await t.stop();
    }
  });
});
