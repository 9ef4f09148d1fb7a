// A click batch whose insert committed but whose answer never came back (the connection cut after COMMIT) is
// retried by the buffer: it must not be written twice, or every such moment inflates a creator's clicks.
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ClickBuffer, pruneClickBatches } from '../../src/domain/clicks/clickBuffer.ts';
import { RepeatDetector } from '../../src/domain/clicks/repeatDetector.ts';
import { testDb } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';

const db = testDb();
afterAll(() => db.destroy());

/** Lets the first `times` inserts into clicks run and commit, then throws as a cut connection would. */
class AnswerLost implements KyselyPlugin {
  private readonly clickInserts = new Set<unknown>();
  constructor(private times: number) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as { kind: string; into?: { table: { identifier: { name: string } } } };
    if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'clicks') this.clickInserts.add(args.queryId);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.clickInserts.has(args.queryId) && this.times > 0) {
      this.times -= 1;
      throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
    }
    return args.result;
  }
}

const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

describe('when a batch of clicks is written but the answer is lost, and the buffer tries it again', () => {
  it('then every click is in Postgres exactly once, and clicks taken meanwhile are written too', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const errors: unknown[] = [];
    const buffer = new ClickBuffer({
      db: db.withPlugin(new AnswerLost(2)),
      repeats: new RepeatDetector(undefined, 'batches'),
      secret: 'test-secret-test-secret',
      flushMs: 60_000,
      batchSize: 4,
      onError: (err) => errors.push(err),
    });
    const push = (n: number, from: number) => {
      for (let i = 0; i < n; i++)
        buffer.push({ linkId: link.id, at: new Date(), ip: `198.51.100.${from + i}`, userAgent: BROWSER, referer: undefined, country: null });
    };
    push(3, 1);
    await buffer.flush(); // committed, answer lost
    expect(buffer.depth).toBe(3);
    push(6, 20); // more clicks arrive before the retry
    await buffer.flush(); // the same batch of 3 again: answer lost again
    await buffer.flush();
    expect(await buffer.stop()).toBe(0);
    expect(errors).toHaveLength(2);
    const written = await db.selectFrom('clicks').select(['visitor_hash', 'kind']).where('link_id', '=', link.id).execute();
    expect(written).toHaveLength(9);
    expect(new Set(written.map((c) => c.visitor_hash)).size).toBe(9);
    expect(written.every((c) => c.kind === 'click')).toBe(true);
  });
});

/** Counts the inserts into clicks (one per batch written). */
class CountInserts implements KyselyPlugin {
  inserts = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as { kind: string; into?: { table: { identifier: { name: string } } } };
    if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'clicks') this.inserts++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

describe('when clicks arrive faster than batches of the usual size are written', () => {
  it('then the backlog goes in bigger batches, every click once and in arrival order', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const count = new CountInserts();
    const buffer = new ClickBuffer({
      db: db.withPlugin(count),
      repeats: new RepeatDetector(undefined, 'backlog'),
      secret: 'test-secret-test-secret',
      flushMs: 60_000,
      batchSize: 10,
    });
    const t0 = Date.now() - 60_000;
    // A burst: the first batch of 10 starts writing while the rest arrive.
    for (let i = 0; i < 4500; i++)
      buffer.push({ linkId: link.id, at: new Date(t0 + i), ip: `198.51.${i >> 8}.${i & 255}`, userAgent: BROWSER, referer: undefined, country: null });
    expect(await buffer.stop()).toBe(0);
    // 10, then at most 2000 a statement: a handful of round trips instead of 450.
    expect(count.inserts).toBeLessThanOrEqual(5);
    const written = await db.selectFrom('clicks').select(['id', 'clicked_at']).where('link_id', '=', link.id).orderBy('id').execute();
    expect(written).toHaveLength(4500);
    expect(written.map((c) => c.clicked_at.getTime())).toEqual(Array.from({ length: 4500 }, (_, i) => t0 + i));
  });
});

describe('when batch ids are a week old', () => {
  it('then they are forgotten, and recent ones are kept for retries', async () => {
    const [old, recent] = [randomUUID(), randomUUID()];
    await db
      .insertInto('click_batches')
      .values([
        { id: old, written_at: new Date(Date.now() - 8 * 86_400_000) },
        { id: recent, written_at: new Date(Date.now() - 86_400_000) },
      ])
      .execute();
    expect(await pruneClickBatches(db)).toBeGreaterThanOrEqual(1);
    const left = await db.selectFrom('click_batches').select('id').where('id', 'in', [old, recent]).execute();
    expect(left.map((r) => r.id)).toEqual([recent]);
  });
});
