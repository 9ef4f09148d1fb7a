// The click buffer's queue keeps arrival order through any mix of batches taken, failed batches put back, and the
// oldest dropped past the bound: checked against a plain array doing the same, over random runs long enough to
// compact its storage many times.
import { describe, expect, it } from 'vitest';
import { ClickQueue } from '../../src/domain/clicks/clickQueue.ts';
import { rng } from '../earnings/support.ts';

describe('when clicks queue up, are taken in batches, put back and dropped', () => {
  it('then every operation sees the same clicks in the same order as a plain array would', () => {
    const r = rng(20261203);
    const queue = new ClickQueue<number>();
    const model: number[] = [];
    let next = 0;
    let lastTaken: number[] = [];
    for (let step = 0; step < 20_000; step++) {
      const op = r.next();
      if (op < 0.55) {
        for (let i = Math.floor(r.next() * 50); i > 0; i--) {
          queue.push(next);
          model.push(next++);
        }
      } else if (op < 0.8) {
        const n = Math.floor(r.next() * 120);
        lastTaken = queue.take(n);
        expect(lastTaken).toEqual(model.splice(0, n));
      } else if (op < 0.9) {
        // A failed batch goes back in front, as it was.
        queue.putBack(lastTaken);
        model.unshift(...lastTaken);
        lastTaken = [];
      } else {
        const n = Math.floor(r.next() * 80);
        expect(queue.drop(n)).toBe(model.splice(0, n).length);
      }
      expect(queue.length).toBe(model.length);
      expect(queue.at(0)).toBe(model[0]);
      expect(queue.at(queue.length - 1)).toBe(model[model.length - 1]);
    }
    expect(queue.take(queue.length)).toEqual(model);
  });
});
