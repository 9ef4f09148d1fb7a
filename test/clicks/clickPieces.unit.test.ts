// How a period becomes rollup pieces: local days of every zone in use split hour rows at whole quarter hours, so
// they read no raw clicks; only an end at an arbitrary instant does, and only for the part of its hour it cuts.
import { describe, expect, it } from 'vitest';
import { clickPieces } from '../../src/domain/clicks/clickCounts.ts';
import { parsePeriod } from '../../src/domain/earnings/period.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');

describe('when a click period is split into rollup pieces', () => {
  it('then local days, months and years in Kathmandu (+5:45), Chatham (+12:45), Kolkata and New York read no raw clicks', () => {
    for (const tz of ['Asia/Kathmandu', 'Pacific/Chatham', 'Asia/Kolkata', 'America/New_York', 'UTC']) {
      for (const word of ['today', 'yesterday', '7d', '30d', 'mtd', 'ytd', 'all', '2025-03-07..2025-11-02']) {
        const p = parsePeriod(word, tz, new Date(NOW));
        const { rollup, raw } = clickPieces([{ from: p.from, to: p.to }], NOW);
        expect(raw, `${tz} ${word}`).toEqual([]);
        expect(rollup.length, `${tz} ${word}`).toBeGreaterThan(0);
      }
    }
  });

  it('then a Kathmandu midnight (18:15 UTC) takes the first quarter of its hour from that hour’s row', () => {
    const p = parsePeriod('yesterday', 'Asia/Kathmandu', new Date(NOW));
    expect(p.from!.toISOString()).toBe('2026-12-01T18:15:00.000Z');
    const { rollup } = clickPieces([{ from: p.from, to: p.to }], NOW);
    expect(rollup).toContainEqual(
      expect.objectContaining({ grain: 'hour', lo: Date.parse('2026-12-01T18:00:00Z'), hi: Date.parse('2026-12-01T18:15:00Z'), part: 1 }),
    );
  });

  it('then an end at an arbitrary instant reads raw clicks only between it and a quarter hour or hour of its own hour', () => {
    const from = new Date('2026-11-20T10:07:30Z');
    const { raw } = clickPieces([{ from, to: new Date('2026-11-25T00:00:00Z') }], NOW);
    expect(raw.length).toBeGreaterThan(0);
    for (const r of raw) {
      expect(r.hi - r.lo).toBeLessThan(3_600_000);
      expect(Math.floor(r.lo / 3_600_000)).toBe(Math.floor((r.hi - 1) / 3_600_000));
    }
  });
});
