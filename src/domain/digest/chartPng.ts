// The digest chart: confirmed commission per day as bars (left axis), stacked by influencer when the caller splits
// it, pending estimates stacked apart on top in a pale dashed bar, and clicks per day as a line (right axis).
// Apache ECharts lays it out and writes SVG on the server (no DOM, no canvas); resvg rasterises that to PNG with
// the DejaVu Sans subset in ./fonts and no system fonts, so a chart is the same picture on every machine and
// prints £, €, ₹ and ¥. The scales are ours: both axes share their gridlines, at round steps.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import type * as Echarts from 'echarts';
import { currencyDigits } from '../amazon/marketplaces.ts';

export interface ChartDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  commissionMinor: number;
  clicks: number;
  /** Pending estimates that day (drawn apart, on top of the confirmed bar); none when absent. */
  pendingMinor?: number;
  /** The confirmed commission split into `ChartOptions.stacks` parts, in the same order; one part when absent. */
  stacks?: readonly number[];
}

export interface ChartOptions {
  /** Currency of the commission; null when there is none (the axis then shows plain amounts). */
  currency: string | null;
  width?: number;
  height?: number;
  title?: string;
  /** Names of the parts of each day's confirmed bar (e.g. "@anna", "Others"), bottom first: the legend. */
  stacks?: readonly string[];
}

export type Rgb = readonly [number, number, number];

export const CHART_COLORS = {
  background: [255, 255, 255],
  grid: [228, 231, 236],
  axis: [120, 126, 136],
  text: [36, 41, 51],
  muted: [105, 112, 124],
  bar: [64, 116, 196],
  line: [230, 110, 30],
  pending: [205, 214, 228],
  pendingBorder: [120, 134, 158],
} as const satisfies Record<string, Rgb>;

/** Colours of the stacked parts, bottom first (the first is the single bar's); "Others" is the last stack's grey. */
export const STACK_COLORS: readonly Rgb[] = [
  [64, 116, 196],
  [46, 150, 110],
  [140, 86, 186],
  [36, 150, 170],
  [196, 74, 110],
];
export const OTHERS_COLOR: Rgb = [150, 158, 170];
/** The name of the last stack when it gathers the rest of the roster: drawn grey. */
export const OTHERS = 'Others';
/** Longest stack name in the legend, in characters. */
const MAX_STACK_NAME = 18;

export const DEFAULT_CHART_WIDTH = 960;
export const DEFAULT_CHART_HEIGHT = 480;
const MIN_WIDTH = 240;
const MIN_HEIGHT = 160;
const MAX_SIDE = 4000;
/** Gridline counts to choose from; the one that leaves the least empty space above the data wins. */
const GRID_LINE_CHOICES = [4, 5, 6] as const;

const FONT_FILE = fileURLToPath(new URL('./fonts/DejaVuSans-chart.ttf', import.meta.url));
const FONT_FAMILY = 'DejaVu Sans';

let advances: Record<string, number> | undefined;

/** Width of a text in the chart's font, from the font's advance widths (kerning ignored: a pixel or two). */
export function textWidth(s: string, fontSize: number): number {
  advances ??= (JSON.parse(readFileSync(new URL('./fonts/DejaVuSans-chart.widths.json', import.meta.url), 'utf8')) as { advance: Record<string, number> })
    .advance;
  let em = 0;
  for (const ch of s) em += advances[ch] ?? 0.6;
  return em * fontSize;
}

let loaded: typeof Echarts | undefined;

/**
 * ECharts, loaded on the first chart: its one-file CommonJS build loads in about a fifth of the time of its ES
 * modules (~150 ms against ~700 ms), and processes that never draw a chart do not load it at all.
 */
function echarts(): typeof Echarts {
  if (loaded) return loaded;
  loaded = createRequire(import.meta.url)('echarts') as typeof Echarts;
  // ECharts measures labels (to space dates, to place the legend) with this; by default it guesses from a table
  // of Arial-like widths, and DejaVu Sans is wider.
  loaded.setPlatformAPI({
    measureText: (text: string, font?: string) => ({ width: textWidth(text, Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12)) }),
  });
  return loaded;
}

/** The smallest whole 1, 2, 2.5 or 5 times a power of ten that is at least `raw` (and at least 1). */
export function niceStep(raw: number): number {
  if (!(raw > 1)) return 1;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= raw && Number.isInteger(m * pow)) return m * pow;
  return 10 * pow;
}

/** Gridline count and steps shared by both axes, so their gridlines coincide. */
function scales(maxMoney: number, maxClicks: number, moneyUnit: number): { lines: number; moneyStep: number; clicksStep: number } {
  let best = { lines: 4, moneyStep: 1, clicksStep: 1, fill: -1 };
  for (const lines of GRID_LINE_CHOICES) {
    // With no commission at all, whole currency units make a calmer empty axis than cents.
    const moneyStep = maxMoney > 0 ? niceStep(maxMoney / lines) : moneyUnit;
    const clicksStep = niceStep(maxClicks / lines);
    const fill = maxMoney / (moneyStep * lines) + maxClicks / (clicksStep * lines);
    if (fill > best.fill + 1e-9) best = { lines, moneyStep, clicksStep, fill };
  }
  return best;
}

const symbols = new Map<string, string>();

/** What stands before an amount: "$", "£", "¥", "₹", "kr " (as English formats it, narrowest form). */
export function currencyPrefix(currency: string | null): string {
  if (!currency) return '';
  let prefix = symbols.get(currency);
  if (prefix === undefined) {
    try {
      const parts = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).formatToParts(1);
      prefix = parts
        .slice(
          0,
          parts.findIndex((p) => p.type === 'integer'),
        )
        .map((p) => p.value)
        .join('');
    } catch {
      prefix = `${currency} `;
    }
    symbols.set(currency, prefix);
  }
  return prefix;
}

function groupThousands(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * An axis label for an amount in minor units: "$1,250", "£0.50", "¥25K", exact (integer arithmetic). The unit
 * (K, M or none) follows the axis' top value, so every label of one axis uses the same.
 */
export function moneyAxisLabel(minor: number, step: number, currency: string | null, axisTop = minor): string {
  const digits = currency ? currencyDigits(currency) : 2;
  const unit = 10 ** digits;
  const prefix = currencyPrefix(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const whole = Math.trunc(abs / unit);
  const topWhole = Math.trunc(Math.abs(axisTop) / unit);
  if (minor === 0) return `${prefix}0`;
  if (topWhole >= 1_000_000 && step % (1_000_000 * unit) === 0) return `${sign}${prefix}${groupThousands(String(whole / 1_000_000))}M`;
  if (topWhole >= 10_000 && step % (1000 * unit) === 0) return `${sign}${prefix}${groupThousands(String(whole / 1000))}K`;
  const frac = step % unit === 0 ? '' : '.' + String(abs % unit).padStart(digits, '0');
  return `${sign}${prefix}${groupThousands(String(whole))}${frac}`;
}

export function countAxisLabel(v: number, step: number, axisTop = v): string {
  if (v === 0) return '0';
  if (axisTop >= 1_000_000 && step % 1_000_000 === 0) return `${groupThousands(String(v / 1_000_000))}M`;
  if (axisTop >= 10_000 && step % 1000 === 0) return `${groupThousands(String(v / 1000))}K`;
  return groupThousands(String(v));
}

export interface ChartLayout {
  width: number;
  height: number;
  /** Font sizes in pixels of labels and of the title. */
  labelSize: number;
  titleSize: number;
  /** The plotting area: [left, right) × [top, bottom); values sit on `bottom`. */
  plot: { left: number; top: number; right: number; bottom: number };
  gridLines: number;
  money: { step: number; top: number; labels: string[] };
  clicks: { step: number; top: number; labels: string[] };
  /** Bars for days with commission above zero (where ECharts draws them: 64% of the day's slot, centred). */
  bars: Array<{ date: string; x0: number; x1: number; y0: number; y1: number }>;
  /** Pending bars, on top of the day's confirmed bar (y1 is the confirmed bar's top). */
  pendingBars: Array<{ date: string; x0: number; x1: number; y0: number; y1: number }>;
  /** The legend: its entries and how many rows it takes under the dates. */
  legend: { names: string[]; rows: number; top: number };
  /** The clicks line: one point per day, at the middle of the day's slot. */
  points: Array<{ date: string; x: number; y: number }>;
  /** Indexes of days whose date is written under the axis. */
  labelledDays: number[];
  lineThickness: number;
}

/** Where everything goes; exported so tests can look at the pixels of a known bar or point. */
export function chartLayout(series: readonly ChartDay[], opts: ChartOptions): ChartLayout {
  const width = Math.min(MAX_SIDE, Math.max(MIN_WIDTH, Math.round(opts.width ?? DEFAULT_CHART_WIDTH)));
  const height = Math.min(MAX_SIDE, Math.max(MIN_HEIGHT, Math.round(opts.height ?? DEFAULT_CHART_HEIGHT)));
  const big = width >= 720 && height >= 360;
  const labelSize = big ? 15 : 11;
  const titleSize = big ? 22 : 15;
  const pad = big ? 16 : 8;
  const lineH = Math.ceil(labelSize * 1.25);

  const pendingOf = (d: ChartDay) => Math.max(0, d.pendingMinor ?? 0);
  const maxMoney = Math.max(0, ...series.map((d) => Math.max(0, d.commissionMinor) + pendingOf(d)));
  const names = legendNames(series, opts);
  const legendRows = legendLayout(names, width - 2 * pad, labelSize, pad).length;
  const maxClicks = Math.max(0, ...series.map((d) => d.clicks));
  const { lines: gridLines, moneyStep, clicksStep } = scales(maxMoney, maxClicks, 10 ** (opts.currency ? currencyDigits(opts.currency) : 2));
  const ticks = Array.from({ length: gridLines + 1 }, (_, i) => i);
  const moneyLabels = ticks.map((i) => moneyAxisLabel(i * moneyStep, moneyStep, opts.currency, gridLines * moneyStep));
  const clickLabels = ticks.map((i) => countAxisLabel(i * clicksStep, clicksStep, gridLines * clicksStep));

  const left = Math.round(pad + Math.max(...moneyLabels.map((l) => textWidth(l, labelSize))) + pad / 2);
  const right = Math.round(width - (pad + Math.max(...clickLabels.map((l) => textWidth(l, labelSize))) + pad / 2));
  const top = pad + Math.ceil(titleSize * 1.25) + pad / 2 + lineH + pad;
  const legendTop = height - pad / 2 - legendRows * lineH;
  const bottom = legendTop - (pad / 2 + lineH + pad / 2);
  const plot = { left, top, right, bottom };
  const plotH = bottom - top;
  const days = Math.max(1, series.length);
  const slot = (right - left) / days;

  const bars: ChartLayout['bars'] = [];
  const pendingBars: ChartLayout['pendingBars'] = [];
  const points: ChartLayout['points'] = [];
  series.forEach((d, i) => {
    const x0 = left + i * slot;
    const h = (Math.max(0, d.commissionMinor) / (moneyStep * gridLines)) * plotH;
    if (h > 0) bars.push({ date: d.date, x0: Math.round(x0 + slot * 0.18), x1: Math.round(x0 + slot * 0.82), y0: Math.round(bottom - h), y1: bottom });
    const ph = (pendingOf(d) / (moneyStep * gridLines)) * plotH;
    if (ph > 0)
      pendingBars.push({
        date: d.date,
        x0: Math.round(x0 + slot * 0.18),
        x1: Math.round(x0 + slot * 0.82),
        y0: Math.round(bottom - h - ph),
        y1: Math.round(bottom - h),
      });
    points.push({ date: d.date, x: Math.round(x0 + slot / 2), y: Math.round(bottom - (Math.max(0, d.clicks) / (clicksStep * gridLines)) * plotH) });
  });

  // Dates under the axis: as many as fit, always including the last day (yesterday).
  const labelW = textWidth('00-00', labelSize) + pad;
  const every = Math.max(1, Math.ceil(labelW / slot));
  const labelledDays: number[] = [];
  for (let i = series.length - 1; i >= 0; i -= every) labelledDays.unshift(i);

  return {
    width,
    height,
    labelSize,
    titleSize,
    plot,
    gridLines,
    money: { step: moneyStep, top: moneyStep * gridLines, labels: moneyLabels },
    clicks: { step: clicksStep, top: clicksStep * gridLines, labels: clickLabels },
    bars,
    pendingBars,
    points,
    labelledDays,
    legend: { names, rows: legendRows, top: legendTop },
    lineThickness: big ? 3 : 2,
  };
}

/** The legend's entries: the stacks (or "Commission"), "Pending" when any day has some, "Clicks". */
function legendNames(series: readonly ChartDay[], opts: ChartOptions): string[] {
  const stacks = opts.stacks?.length ? opts.stacks.map((n) => (n.length > MAX_STACK_NAME ? `${n.slice(0, MAX_STACK_NAME - 1)}…` : n)) : ['Commission'];
  const pending = series.some((d) => (d.pendingMinor ?? 0) > 0);
  return [...stacks, ...(pending ? ['Pending'] : []), 'Clicks'];
}

/** Legend entries as rows that fit `room` pixels: an entry is its swatch, a gap, its name and the gap to the next. */
function legendLayout(names: readonly string[], room: number, labelSize: number, pad: number): string[][] {
  const rows: string[][] = [];
  let used = 0;
  for (const name of names) {
    const w = labelSize * 1.6 + 5 + textWidth(name, labelSize) + pad * 1.5;
    if (rows.length === 0 || used + w > room) {
      rows.push([name]);
      used = w;
    } else {
      rows.at(-1)!.push(name);
      used += w;
    }
  }
  return rows;
}

const hex = (c: Rgb) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** The title as given, smaller and then cut when it does not fit the width. */
function fitTitle(title: string, room: number, size: number, minSize: number): { text: string; size: number } {
  let s = size;
  while (s > minSize && textWidth(title, s) > room) s--;
  let text = title;
  while (text.length > 1 && textWidth(text, s) > room) text = text.slice(0, -2).trimEnd() + '…';
  return { text, size: s };
}

/** The SVG of a daily series of confirmed commission (bars, stacked by `opts.stacks`), pending (on top) and clicks (line). */
export function renderChartSvg(series: ReadonlyArray<ChartDay>, opts: ChartOptions): string {
  const L = chartLayout(series, opts);
  const C = CHART_COLORS;
  const { left, top, right, bottom } = L.plot;
  const pad = L.labelSize >= 15 ? 16 : 8;
  const split = (opts.stacks?.length ?? 0) > 1;
  const title = fitTitle(
    opts.title ?? `Confirmed commission${opts.currency ? ` (${opts.currency})` : ''}${split ? ' by influencer' : ''} and clicks per day`,
    L.width - 2 * pad,
    L.titleSize,
    L.labelSize,
  );
  const lineH = Math.ceil(L.labelSize * 1.25);
  const legendRows = legendLayout(L.legend.names, L.width - 2 * pad, L.labelSize, pad);
  const stackNames = L.legend.names.filter((n) => n !== 'Pending' && n !== 'Clicks');
  const stackColor = (i: number) =>
    split && i === stackNames.length - 1 && opts.stacks?.at(-1) === OTHERS ? OTHERS_COLOR : STACK_COLORS[i % STACK_COLORS.length]!;
  const anyPending = L.pendingBars.length > 0;
  const subY = pad + Math.ceil(L.titleSize * 1.25) + pad / 2;
  const first = series[0]?.date;
  const last = series.at(-1)?.date;
  const range = first && last ? (first === last ? first : `${first} to ${last}`) : '';
  const labelled = new Set(L.labelledDays);
  const showDay = (i: number) => labelled.has(i);
  const empty = L.bars.length === 0 && L.pendingBars.length === 0 && series.every((d) => d.clicks <= 0);
  const label = { color: hex(C.muted), fontSize: L.labelSize, fontFamily: FONT_FAMILY };

  // A value axis from 0 to the scale's top in its steps, its labels whole numbers.
  const valueAxis = (position: 'left' | 'right', scale: { top: number; step: number }, format: (v: number) => string, splitLine: object) => ({
    type: 'value' as const,
    position,
    min: 0,
    max: scale.top,
    interval: scale.step,
    axisLine: { show: true, lineStyle: { color: hex(C.axis) } },
    axisTick: { show: false },
    axisLabel: { ...label, margin: pad / 2, formatter: (v: number) => format(Math.round(v)) },
    splitLine,
  });

  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width: L.width, height: L.height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: hex(C.background),
      textStyle: { fontFamily: FONT_FAMILY },
      title: {
        text: title.text,
        left: pad,
        top: pad,
        padding: 0,
        textStyle: { fontSize: title.size, fontWeight: 'normal', color: hex(C.text), fontFamily: FONT_FAMILY },
      },
      // One legend per row we laid out (ECharts would wrap on its own measure, and reserve no room for it).
      legend: legendRows.map((row, r) => ({
        left: pad,
        top: L.legend.top + r * lineH,
        padding: 0,
        itemGap: pad * 1.5,
        itemWidth: L.labelSize * 1.6,
        itemHeight: L.labelSize * 0.9,
        textStyle: { color: hex(C.text), fontSize: L.labelSize, fontFamily: FONT_FAMILY },
        data: row.map((name) => (name === 'Clicks' ? { name } : { name, icon: 'rect' })),
        selectedMode: false,
      })),
      graphic: [
        ...(range
          ? [{ type: 'text' as const, left: pad, top: subY, style: { text: range, fill: hex(C.muted), fontSize: L.labelSize, fontFamily: FONT_FAMILY } }]
          : []),
        ...(empty
          ? [
              {
                type: 'text' as const,
                left: 'center',
                top: (top + bottom) / 2 - L.labelSize * 1.5,
                style: { text: 'No confirmed commission or clicks', fill: hex(C.muted), fontSize: L.labelSize, fontFamily: FONT_FAMILY },
              },
            ]
          : []),
      ],
      grid: { left, top, right: L.width - right, bottom: L.height - bottom, outerBoundsMode: 'none' },
      xAxis: {
        type: 'category',
        data: series.map((d) => d.date.slice(5)),
        boundaryGap: true,
        axisLine: { lineStyle: { color: hex(C.axis), width: 1 } },
        axisTick: { alignWithLabel: true, interval: showDay, length: pad / 3, lineStyle: { color: hex(C.axis) } },
        axisLabel: { ...label, interval: showDay, margin: pad / 2 },
      },
      // Money on the left with the grid lines, clicks on the right on their own scale.
      yAxis: [
        valueAxis('left', L.money, (v) => moneyAxisLabel(v, L.money.step, opts.currency, L.money.top), { lineStyle: { color: hex(C.grid) } }),
        valueAxis('right', L.clicks, (v) => countAxisLabel(v, L.clicks.step, L.clicks.top), { show: false }),
      ],
      series: [
        ...stackNames.map((name, i) => ({
          type: 'bar' as const,
          name,
          stack: 'money',
          yAxisIndex: 0,
          silent: true,
          barWidth: '64%',
          itemStyle: { color: hex(stackColor(i)) },
          data: series.map((d) => Math.max(0, split ? (d.stacks?.[i] ?? 0) : d.commissionMinor)),
        })),
        ...(anyPending
          ? [
              {
                type: 'bar' as const,
                name: 'Pending',
                stack: 'money',
                yAxisIndex: 0,
                silent: true,
                barWidth: '64%',
                itemStyle: { color: hex(C.pending), borderColor: hex(C.pendingBorder), borderWidth: 1, borderType: 'dashed' as const },
                data: series.map((d) => Math.max(0, d.pendingMinor ?? 0)),
              },
            ]
          : []),
        {
          type: 'line',
          name: 'Clicks',
          yAxisIndex: 1,
          z: 3,
          silent: true,
          symbol: 'circle',
          symbolSize: L.lineThickness * 2 + 1,
          showSymbol: true,
          showAllSymbol: true,
          lineStyle: { width: L.lineThickness, color: hex(C.line) },
          itemStyle: { color: hex(C.line) },
          data: series.map((d) => Math.max(0, d.clicks)),
        },
      ],
    });
    // Without the hover styles (nothing hovers over a PNG), whose class names count up across the process, and
    // with one id prefix (zr0-, zr1-… per instance): the same chart is the same text.
    return chart
      .renderToSVGString()
      .replace(/<style\b[^>]*>[\s\S]*?<\/style>\n?/g, '')
      .replace(/ class="zr\d+-cls-\d+"/g, '')
      .replace(/\bzr\d+-/g, 'zr-');
  } finally {
    chart.dispose();
  }
}

/** The PNG of a daily series of confirmed commission (bars) and clicks (line). */
export function renderChartPng(series: ReadonlyArray<ChartDay>, opts: ChartOptions): Buffer {
  const svg = renderChartSvg(series, opts);
  const resvg = new Resvg(svg, {
    font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'original' },
  });
  return resvg.render().asPng();
}
