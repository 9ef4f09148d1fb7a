// A period becomes a signed sum of rollup buckets and raw ledger ranges: every instant inside counts once, every
// instant outside not at all, whatever the zone, the grains, the rows available and the cost model's choices.
import { describe, expect, it } from 'vitest';
import { ceilTo, decompose, floorTo, type Availability, type BucketGrain, type CostModel, type Piece } from '../../src/domain/common/buckets.ts';
import { PERIOD_WORDS, parsePeriod } from '../../src/domain/earnings/period.ts';
import { ZONES, rng } from '../earnings/support.ts';

const GRAINS: BucketGrain[][] = [
  ['day', 'month', 'year'],
  ['hour', 'day', 'month', 'year'],
  ['month', 'year'],
  ['day', 'month'],
];
const MODELS: CostModel[] = [
  { rawHour: 2, bucket: { day: 1, month: 1, year: 1, all: 1 } },
  { rawHour: 0.07, bucket: { day: 1, month: 6, year: 7, all: 7 } },
  { rawHour: 50, bucket: { hour: 1, day: 1, month: 1, year: 1, all: 1 } },
];

/** How many times the pieces count an instant (bucket ranges hold exactly the instants in [from, to)). */
function weight(pieces: Piece[], t: number): number {
  return pieces.reduce((w, p) => (p.from <= t && t < p.to ? w + p.sign : w), 0);
}

function check(pieces: Piece[], from: Date | null, to: Date | null, grains: BucketGrain[], avail: Availability, probes: number[]) {
  const lo = from?.getTime() ?? -Infinity;
  const hi = to?.getTime() ?? Infinity;
  for (const p of pieces) {
    expect(p.sign).not.toBe(0);
    if (p.kind === 'raw') continue;
    if (p.kind === 'all') {
      expect([p.from, p.to]).toEqual([-Infinity, Infinity]);
      expect(avail.all ?? -Infinity).toBe(-Infinity);
      continue;
    }
    expect(grains).toContain(p.kind);
    // Whole buckets only, and only where rows exist.
    if (Number.isFinite(p.from)) expect(floorTo(p.kind, p.from)).toBe(p.from);
    if (Number.isFinite(p.to)) expect(ceilTo(p.kind, p.to)).toBe(p.to);
    expect(p.from).toBeGreaterThanOrEqual(avail[p.kind] ?? -Infinity);
  }
  const points = [...probes, ...pieces.flatMap((p) => [p.from, p.to - 1, p.to])].filter(Number.isFinite);
  if (Number.isFinite(lo)) points.push(lo - 1, lo, lo + 1);
  if (Number.isFinite(hi)) points.push(hi - 1, hi, hi + 1);
  for (const t of points) expect(weight(pieces, t), new Date(t).toISOString()).toBe(lo <= t && t < hi ? 1 : 0);
}

describe('when a period is split into rollup buckets and raw ranges', () => {
  it('then every instant of every period word, in zones with :30 and :45 offsets and DST, counts exactly once', () => {
    const r = rng(7);
    for (let i = 0; i < 400; i++) {
      const tz = r.pick(ZONES);
      const now = new Date(Date.UTC(2024, 0, 1) + r.next() * 3 * 366 * 86_400_000);
      const word = r.pick([...PERIOD_WORDS, 'range']);
      let raw: string = word;
      if (word === 'range') {
        const a = new Date(now.getTime() - r.int(0, 800) * 86_400_000).toISOString().slice(0, 10);
        const b = new Date(new Date(a).getTime() + r.int(0, 400) * 86_400_000).toISOString().slice(0, 10);
        raw = `${a}..${b}`;
      }
      const period = parsePeriod(raw, tz, now);
      const grains = r.pick(GRAINS);
      const avail: Availability =
        r.next() < 0.5 ? {} : { [grains[0]!]: floorTo('month', now.getTime() - 40 * 86_400_000), ...(r.next() < 0.5 ? { all: Infinity, year: Infinity } : {}) };
      const pieces = decompose(period.from, period.to, grains, r.pick(MODELS), now.getTime(), avail);
      const probes = Array.from({ length: 30 }, () => now.getTime() + (r.next() - 0.7) * 900 * 86_400_000);
      check(pieces, period.from, period.to, grains, avail, probes);
    }
  });

  it('then month to date in New York is the month bucket less a few raw hours, and all time is one bucket', () => {
    const now = new Date('2026-11-27T14:00:00Z');
    const mtd = parsePeriod('mtd', 'America/New_York', now);
    const pieces = decompose(mtd.from, mtd.to, ['day', 'month', 'year'], MODELS[0]!, now.getTime());
    expect(pieces.filter((p) => p.kind === 'month' && p.from <= now.getTime() && now.getTime() < p.to)).toEqual([
      { sign: 1, kind: 'month', from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) },
    ]);
    expect(pieces.filter((p) => p.kind === 'raw' && p.from < now.getTime()).map((p) => (p.to - p.from) / 3_600_000)).toEqual([4]);
    expect(decompose(null, null, ['day', 'month', 'year'], MODELS[0]!)).toEqual([{ sign: 1, kind: 'all', from: -Infinity, to: Infinity }]);
    // Without all-time rows, the same from months where they exist and from the ledger before.
    const since = Date.UTC(2026, 9, 1);
    expect(decompose(null, null, ['month', 'year'], MODELS[1]!, now.getTime(), { month: since, year: Infinity, all: Infinity })).toEqual([
      { sign: 1, kind: 'raw', from: -Infinity, to: since },
      { sign: 1, kind: 'month', from: since, to: Infinity },
    ]);
  });

  it('then local days in whole-hour zones need no raw lines once hours are rolled up, and India needs half hours', () => {
    const day = (tz: string) => parsePeriod('yesterday', tz, new Date('2026-03-09T15:00:00Z'));
    const ny = day('America/New_York'); // 2026-03-08: 23 hours, clocks go forward
    expect((ny.to!.getTime() - ny.from!.getTime()) / 3_600_000).toBe(23);
    expect(decompose(ny.from, ny.to, ['hour', 'day', 'month', 'year'], MODELS[2]!).filter((p) => p.kind === 'raw')).toEqual([]);
    const india = day('Asia/Kolkata');
    const raw = decompose(india.from, india.to, ['hour', 'day', 'month', 'year'], MODELS[2]!).filter((p) => p.kind === 'raw');
    expect(raw.map((p) => (p.to - p.from) / 60_000)).toEqual([30, 30]);
  });
});
