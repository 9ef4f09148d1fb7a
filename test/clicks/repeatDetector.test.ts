// Repeat clicks: the same visitor on the same link within the hour, judged in Redis so web processes agree, and by
// the process's memory while Redis is away.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { RepeatDetector } from '../../src/domain/clicks/repeatDetector.ts';
import { unique } from '../support/env.ts';

const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.quit());

describe('when a batch holds the same visitor on the same link more than once', () => {
  it('then the first is a click and the others repeats, and Redis holds one mark per visitor and link', async () => {
    const prefix = `${inject('queuePrefix')}_${unique('rd')}`;
    const detector = new RepeatDetector(redis, prefix);
    const scripts = vi.spyOn(redis, 'evalsha');
    await redis.ping(); // connected: the detector judges in Redis only while its connection is ready
    expect(await detector.seen(['1:a', '1:a', '2:a', '1:a', '1:b', '2:a'])).toEqual([false, true, false, true, false, true]);
    expect((await redis.keys(`${prefix}:rc:*`)).sort()).toEqual([`${prefix}:rc:1:a`, `${prefix}:rc:1:b`, `${prefix}:rc:2:a`]);
    // One script run for the batch, sent each distinct key once (a follower clicking again costs Redis nothing more).
    expect(scripts.mock.calls.map((c) => c[1])).toEqual([3]);
    scripts.mockRestore();
    // Another web process (another detector on the same Redis) sees them as repeats in its next batch.
    expect(await new RepeatDetector(redis, prefix).seen(['1:b', '3:a', '3:a'])).toEqual([true, false, true]);
  });

  it('then without Redis the process memory judges them the same way', async () => {
    const detector = new RepeatDetector(undefined, 'none');
    expect(await detector.seen(['1:a', '1:a', '2:a'])).toEqual([false, true, false]);
    expect(await detector.seen(['2:a', '3:a'])).toEqual([true, false]);
  });
});
