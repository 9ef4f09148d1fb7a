// The digest chart against committed pictures: a month in pounds at the default size and in yen at a small size.
// The SVG must match its file exactly (`npx vitest run --project unit test/digest/chartGolden.unit.test.ts -u`
// rewrites it after a deliberate change); the PNG may differ from its file by a few anti-aliased pixels
// (UPDATE_CHART_GOLDENS=1 rewrites it). Look at the PNGs after rewriting them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { MARKETPLACES } from '../../src/domain/amazon/marketplaces.ts';
import { currencyPrefix, renderChartPng, renderChartSvg, type ChartDay, type ChartOptions } from '../../src/domain/digest/chartPng.ts';
import { addDays } from '../../src/domain/time.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/charts');

/** 30 days with a weekly rhythm, a quiet day and a big day: the same numbers every run. */
function month(scale: number): ChartDay[] {
  return Array.from({ length: 30 }, (_, i) => ({
    date: addDays('2026-02-13', i),
    commissionMinor: i === 9 ? 0 : Math.round((((i * 37) % 23) + 4 + (i === 21 ? 30 : 0)) * scale),
    clicks: i === 9 ? 0 : 40 + ((i * 53) % 97),
  }));
}

const CASES: Array<{ name: string; series: ChartDay[]; opts: ChartOptions; symbol: string }> = [
  { name: 'digest-gbp', series: month(250), opts: { currency: 'GBP' }, symbol: '£' },
  { name: 'digest-jpy', series: month(4_000), opts: { currency: 'JPY', width: 640, height: 320 }, symbol: '¥' },
];

/** Pixels whose colour differs from the other picture's by more than a faint anti-aliasing step. */
function differingPixels(a: PNG, b: PNG): number {
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const d = Math.max(Math.abs(a.data[i]! - b.data[i]!), Math.abs(a.data[i + 1]! - b.data[i + 1]!), Math.abs(a.data[i + 2]! - b.data[i + 2]!));
    if (d > 24) n++;
  }
  return n;
}

describe('when the digest chart of a known month is drawn', () => {
  it.each(CASES)('then $name is the committed SVG, with the currency symbol and labels as written', async ({ name, series, opts, symbol }) => {
    const svg = renderChartSvg(series, opts);
    await expect(svg).toMatchFileSnapshot(path.join(FIXTURES, `${name}.svg`));
    expect(svg).toContain(`>${symbol}0<`); // the money axis starts at the symbol and zero
    expect(svg).toContain(`Confirmed commission (${opts.currency}) and clicks per day`);
    expect(svg).toContain('>Commission<');
    expect(svg).toContain('>Clicks<');
    expect(svg).toContain('2026-02-13 to 2026-03-14');
    expect(svg).not.toContain('CONFIRMED');
  });

  it.each(CASES)('then $name is the committed PNG, give or take anti-aliasing', ({ name, series, opts }) => {
    const png = renderChartPng(series, opts);
    const file = path.join(FIXTURES, `${name}.png`);
    if (process.env.UPDATE_CHART_GOLDENS === '1') writeFileSync(file, png);
    expect(existsSync(file), `${file} is missing: run with UPDATE_CHART_GOLDENS=1 and look at it`).toBe(true);
    const actual = PNG.sync.read(png);
    const expected = PNG.sync.read(readFileSync(file));
    expect([actual.width, actual.height]).toEqual([expected.width, expected.height]);
    expect([actual.width, actual.height]).toEqual([opts.width ?? 960, opts.height ?? 480]);
    expect(differingPixels(actual, expected)).toBeLessThanOrEqual(actual.width * actual.height * 0.002);
  });

  it('then the same chart drawn twice is the same picture, byte for byte', () => {
    const [c] = CASES;
    expect(renderChartSvg(c!.series, c!.opts)).toBe(renderChartSvg(c!.series, c!.opts));
    expect(renderChartPng(c!.series, c!.opts).equals(renderChartPng(c!.series, c!.opts))).toBe(true);
  });
});

describe('when a marketplace reports in its currency', () => {
  it('then the chart font has a glyph for every character of its symbol, so none prints as a box', () => {
    const font = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../src/domain/digest/fonts/DejaVuSans-chart.widths.json'), 'utf8')) as { advance: Record<string, number> };
    const currencies = [...new Set([...MARKETPLACES.values()].map((m) => m.currency))];
    expect(currencies).toEqual(expect.arrayContaining(['GBP', 'EUR', 'JPY', 'INR', 'USD']));
    const missing = currencies.flatMap((c) => [...currencyPrefix(c)].filter((ch) => !(ch in font.advance)).map((ch) => `${c}: ${ch}`));
    expect(missing).toEqual([]);
    expect(currencies.map((c) => currencyPrefix(c)).filter((p) => ['£', '€', '¥', '₹', '$'].includes(p)).sort()).toEqual(expect.arrayContaining(['$', '£', '¥', '₹', '€']));
  });
});
