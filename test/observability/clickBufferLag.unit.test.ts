import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { ClickBuffer } from '../../src/domain/clicks/clickBuffer.ts';
import type { RepeatDetector } from '../../src/domain/clicks/repeatDetector.ts';

const click = (at: Date) => ({
  linkId: 1,
  at,
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
  referer: undefined,
  country: null,
});

describe('when clicks wait in memory to be written', () => {
  it('then the lag is the age of the oldest one, and 0 when none waits', () => {
    const buffer = new ClickBuffer({
      db: undefined as unknown as Db,
      repeats: undefined as unknown as RepeatDetector,
      secret: 'test-secret-test-secret',
      flushMs: 60_000,
      batchSize: 1000,
    });
    const now = Date.parse('2026-05-01T12:00:00Z');
    expect(buffer.lagMs(now)).toBe(0);
    buffer.push(click(new Date(now - 42_000)));
    buffer.push(click(new Date(now - 1_000)));
    expect(buffer.depth).toBe(2);
    expect(buffer.lagMs(now)).toBe(42_000);
  });
});
