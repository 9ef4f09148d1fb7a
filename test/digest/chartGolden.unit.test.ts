// The digest chart against committed pictures: a month in pounds at the default size, in yen at a small size, and
// a month in dollars split by influencer (five and "Others") with pending apart.
// The SVG must match its file exactly (`npx vitest run --project unit test/digest/chartGolden.unit.test.ts -u`
// rewrites it after a deliberate change); the PNG may differ from its file by a few anti-aliased pixels
// (UPDATE_CHART_GOLDENS=1 rewrites it). Look at the PNGs after rewriting them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { MARKETPLACES } from '../../src/domain/amazon/marketplaces.ts';
import { currencyPrefix, renderChartPng, renderChartSvg, type ChartDay, type ChartOptions } from '../../src/domain/digest/chartPng.ts';
import { addDays } from '../../src/domain/common/time.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/charts');

/** 30 days with a weekly rhythm, a quiet day and a big day: the same numbers every run. */
function month(scale: number): ChartDay[] {
  return Array.from({ length: 30 }, (_, i) => ({
    date: addDays('2026-02-13', i),
    commissionMinor: i === 9 ? 0 : Math.round((((i * 37) % 23) + 4 + (i === 21 ? 30 : 0)) * scale),
    clicks: i === 9 ? 0 : 40 + ((i * 53) % 97),
  }));
}

const SPLIT = ['@anna.cooks', '@ben_outdoors', '@cleo', '@dev-gadgets', '@emma.home.and.garden', 'Others'];

/** The same rhythm split over five influencers and the rest, with pending estimates on the last week. */
function splitMonth(): ChartDay[] {
  return month(250).map((d, i) => {
    const stacks = SPLIT.map((_, k) => (d.commissionMinor === 0 ? 0 : Math.round((((((i + k * 7) * 37) % 23) + 2) * 150) / (k + 1))));
    return { ...d, commissionMinor: stacks.reduce((a, b) => a + b, 0), stacks, pendingMinor: i > 22 ? 1500 + i * 200 : i % 5 === 0 ? 800 : 0 };
  });
}

const CASES: Array<{ name: string; series: ChartDay[]; opts: ChartOptions; symbol: string; title: string; legend: string[] }> = [
  {
    name: 'digest-gbp',
    series: month(250),
    opts: { currency: 'GBP' },
    symbol: '£',
    title: 'Confirmed commission (GBP) and clicks per day',
    legend: ['Commission', 'Clicks'],
  },
  {
    name: 'digest-jpy',
    series: month(4_000),
    opts: { currency: 'JPY', width: 640, height: 320 },
    symbol: '¥',
    title: 'Confirmed commission (JPY) and clicks per day',
    legend: ['Commission', 'Clicks'],
  },
  {
    name: 'digest-split-usd',
    series: splitMonth(),
    opts: { currency: 'USD', stacks: SPLIT },
    symbol: '$',
    title: 'Confirmed commission (USD) by influencer and clicks per day',
    legend: ['@anna.cooks', '@emma.home.and.ga…', 'Others', 'Pending', 'Clicks'],
  },
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
  it.each(CASES)('then $name is the committed SVG, with the currency symbol and labels as written', async ({ name, series, opts, symbol, title, legend }) => {
    const svg = renderChartSvg(series, opts);
    await expect(svg).toMatchFileSnapshot(path.join(FIXTURES, `${name}.svg`));
    expect(svg).toContain(`>${symbol}0<`); // the money axis starts at the symbol and zero
    expect(svg).toContain(title);
    for (const entry of legend) expect(svg).toContain(`>${entry}<`);
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
    const font = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../src/domain/digest/fonts/DejaVuSans-chart.widths.json'), 'utf8')) as {
      advance: Record<string, number>;
    };
    const currencies = [...new Set([...MARKETPLACES.values()].map((m) => m.currency))];
    expect(currencies).toEqual(expect.arrayContaining(['GBP', 'EUR', 'JPY', 'INR', 'USD']));
    const missing = currencies.flatMap((c) => [...currencyPrefix(c)].filter((ch) => !(ch in font.advance)).map((ch) => `${c}: ${ch}`));
    expect(missing).toEqual([]);
    expect(
      currencies
        .map((c) => currencyPrefix(c))
        .filter((p) => ['£', '€', '¥', '₹', '$'].includes(p))
        .sort(),
    ).toEqual(expect.arrayContaining(['$', '£', '¥', '₹', '€']));
  });
});
