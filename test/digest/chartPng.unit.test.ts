import { crc32 as zlibCrc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CHART_COLORS, chartLayout, moneyAxisLabel, niceStep, renderChartPng, type ChartDay, type Rgb } from '../../src/domain/digest/chartPng.ts';
import { addDays } from '../../src/domain/common/time.ts';

interface Decoded {
  width: number;
  height: number;
  chunks: string[];
  pixel(x: number, y: number): Rgb;
}

/** Reads a PNG the way a viewer would: every chunk's CRC checked with zlib's CRC-32, then decoded by pngjs. */
function decodePng(png: Buffer): Decoded {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: string[] = [];
  let off = 8;
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    expect(png.readUInt32BE(off + 8 + len), `CRC of ${type}`).toBe(zlibCrc32(png.subarray(off + 4, off + 8 + len)));
    chunks.push(type);
    off += 12 + len;
  }
  expect(off).toBe(png.length);
  const img = PNG.sync.read(png);
  // Opaque everywhere: the background is painted, so a chat client's dark theme does not show through.
  let translucent = 0;
  for (let i = 3; i < img.data.length; i += 4) if (img.data[i] !== 255) translucent++;
  expect(translucent).toBe(0);
  return {
    width: img.width,
    height: img.height,
    chunks,
    pixel(x, y) {
      const i = (y * img.width + x) * 4;
      return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
    },
  };
}

function days(values: Array<[number, number]>, start = '2026-02-13'): ChartDay[] {
  return values.map(([commissionMinor, clicks], i) => ({ date: addDays(start, i), commissionMinor, clicks }));
}

const zeros = (n: number): Array<[number, number]> => Array.from({ length: n }, () => [0, 0]);

describe('when the digest chart is rendered', () => {
  it('then it is a valid PNG of the asked size: signature, IHDR first, correct CRCs, IDAT that decodes to every row', () => {
    const png = renderChartPng(days(zeros(30).map((_, i) => [i * 100, i])), { currency: 'USD', width: 640, height: 320 });
    const d = decodePng(png);
    expect(d.chunks[0]).toBe('IHDR');
    expect(d.chunks.at(-1)).toBe('IEND');
    expect(d.chunks).toContain('IDAT');
    expect([d.width, d.height]).toEqual([640, 320]);
    expect(d.pixel(0, 0)).toEqual(CHART_COLORS.background);
    expect(d.pixel(639, 319)).toEqual(CHART_COLORS.background);
  });

  it('then a day with commission has a bar of the bar colour up to its height, and days without have none', () => {
    const values = zeros(30);
    values[5] = [5000, 0];
    values[20] = [2500, 0];
    const series = days(values);
    const opts = { currency: 'USD', width: 960, height: 480 };
    const layout = chartLayout(series, opts);
    const d = decodePng(renderChartPng(series, opts));
    expect(layout.bars.map((b) => b.date)).toEqual([series[5]!.date, series[20]!.date]);
    const [tall, half] = layout.bars;
    const mid = (b: typeof tall) => Math.floor((b!.x0 + b!.x1) / 2);
    // The taller bar reaches a gridline-aligned top, and the other is half as tall.
    expect(d.pixel(mid(tall), tall!.y0 + 2)).toEqual(CHART_COLORS.bar);
    expect(d.pixel(mid(tall), Math.floor((tall!.y0 + tall!.y1) / 2))).toEqual(CHART_COLORS.bar); // (the clicks line, all zero here, runs along the baseline)
    expect(d.pixel(mid(tall), tall!.y0 - 3)).not.toEqual(CHART_COLORS.bar);
    expect(tall!.y1 - tall!.y0).toBeGreaterThan(0);
    expect(Math.abs((half!.y1 - half!.y0) * 2 - (tall!.y1 - tall!.y0))).toBeLessThanOrEqual(1);
    expect(d.pixel(mid(half), half!.y0 + 2)).toEqual(CHART_COLORS.bar);
    // The slot of day 10 (no commission) holds no bar colour between the plot's top and baseline.
    const slot10 = layout.points[10]!.x;
    for (let y = layout.plot.top; y < layout.plot.bottom - 8; y++) expect(d.pixel(slot10, y)).not.toEqual(CHART_COLORS.bar);
  });

  it('then the clicks line passes through each day’s point in the line colour', () => {
    const series = days(zeros(30).map((_, i) => [1000, 10 + (i % 7) * 15]));
    const opts = { currency: 'USD' };
    const layout = chartLayout(series, opts);
    const d = decodePng(renderChartPng(series, opts));
    for (const p of layout.points) expect(d.pixel(p.x, p.y)).toEqual(CHART_COLORS.line);
    // Higher click counts sit higher on the chart.
    expect(layout.points[6]!.y).toBeLessThan(layout.points[0]!.y);
  });

  it('then a series of zeros draws no bar anywhere in the plot', () => {
    const series = days(zeros(30));
    const layout = chartLayout(series, { currency: 'USD' });
    const d = decodePng(renderChartPng(series, { currency: 'USD' }));
    expect(layout.bars).toEqual([]);
    let barPixels = 0;
    for (let y = layout.plot.top; y < layout.plot.bottom; y++)
      for (let x = layout.plot.left; x < layout.plot.right; x++) if (d.pixel(x, y).join() === CHART_COLORS.bar.join()) barPixels++;
    expect(barPixels).toBe(0);
  });

  it('then the axes are labelled with round amounts in the currency, with its symbol', () => {
    expect([niceStep(0), niceStep(7), niceStep(23), niceStep(2120), niceStep(2650)]).toEqual([1, 10, 25, 2500, 5000]);
    expect(moneyAxisLabel(2500, 2500, 'USD')).toBe('$25');
    expect(moneyAxisLabel(50, 25, 'USD')).toBe('$0.50');
    expect(moneyAxisLabel(12_500_000, 2_500_000, 'USD')).toBe('$125K');
    expect(moneyAxisLabel(3_000_000, 1_000_000, 'JPY')).toBe('¥3M');
    expect(moneyAxisLabel(1250, 250, 'EUR')).toBe('€12.50');
    expect(moneyAxisLabel(2500, 2500, 'GBP')).toBe('£25');
    expect(moneyAxisLabel(250_000, 50_000, 'INR', 250_000)).toBe('₹2,500');
    expect(moneyAxisLabel(500, 500, null)).toBe('5');
    // One unit per axis: $5K next to $10K, not $5,000.
    expect(moneyAxisLabel(500_000, 500_000, 'USD', 2_500_000)).toBe('$5K');
    expect(moneyAxisLabel(0, 500_000, 'USD', 2_500_000)).toBe('$0');
    const layout = chartLayout(days([[10_600, 232], ...zeros(29)]), { currency: 'USD' });
    // Little empty space above the data: the top label is the first round amount above the maximum.
    expect(layout.money.labels.at(-1)).toBe('$125');
    expect(layout.clicks.labels.at(-1)).toBe('250');
  });
});
