import { describe, expect, it } from 'vitest';
import { digestTickProcessor } from '../../jobs/digest/processor.ts';
import type { Db } from '../../src/db/database.ts';
import type { Queues } from '../../src/queues.ts';
import { LEVEL, LogCapture } from './support/logCapture.ts';

/** Just enough of a Db for the tick's one query: the enabled subscriptions. */
function subscriptions(rows: Array<{ id: number; local_time: string; timezone: string; last_sent_local_date: string | null }>): Db {
  const query = { select: () => query, where: () => query, execute: async () => rows };
  return { selectFrom: () => query } as unknown as Db;
}

function fakeQueue() {
  const added: unknown[] = [];
  return { added, queues: { digest: { addBulk: async (jobs: unknown[]) => added.push(...jobs) } } as unknown as Pick<Queues, 'digest'> };
}

describe('when the digest tick runs every minute', () => {
  const now = new Date('2026-03-10T09:30:00Z');

  it('then a tick that queued digests says how many and for which subscriptions', async () => {
    const capture = new LogCapture();
    const { added, queues } = fakeQueue();
    const tick = digestTickProcessor({
      db: subscriptions([
        { id: 7, local_time: '09:00', timezone: 'UTC', last_sent_local_date: '2026-03-09' },
        { id: 8, local_time: '10:00', timezone: 'UTC', last_sent_local_date: null },
      ]),
      queues,
      now: () => now,
      log: capture.logger('debug'),
    });
    expect(await tick()).toEqual({ queued: 1 });
    expect(added).toHaveLength(1);
    expect(capture.lines).toEqual([expect.objectContaining({ level: LEVEL.info, msg: 'digests queued', queued: 1, subscriptionIds: [7] })]);
  });

  it('then a tick with nothing due writes nothing at all', async () => {
    const capture = new LogCapture();
    const { queues } = fakeQueue();
    const tick = digestTickProcessor({
      db: subscriptions([{ id: 7, local_time: '09:00', timezone: 'UTC', last_sent_local_date: '2026-03-10' }]),
      queues,
      now: () => now,
      log: capture.logger('debug'),
    });
    expect(await tick()).toEqual({ queued: 0 });
    expect(capture.lines).toEqual([]);
  });
});
