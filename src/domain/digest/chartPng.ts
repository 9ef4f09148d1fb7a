// The digest chart: confirmed commission per day as bars (left axis) and clicks per day as a line (right
// axis), rasterised in memory with a built-in bitmap font and encoded as PNG. No browser, no native module.
import { currencyDigits } from '../amazon/marketplaces.ts';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './bitmapFont.ts';
import { encodePng } from './png.ts';

export interface ChartDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  commissionMinor: number;
  clicks: number;
}

export interface ChartOptions {
  /** Currency of the commission; null when there is none (the axis then shows plain amounts). */
  currency: string | null;
  width?: number;
  height?: number;
  title?: string;
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
} as const satisfies Record<string, Rgb>;

export const DEFAULT_CHART_WIDTH = 960;
export const DEFAULT_CHART_HEIGHT = 480;
const MIN_WIDTH = 240;
const MIN_HEIGHT = 160;
const MAX_SIDE = 4000;
/** Gridline counts to choose from; the one that leaves the least empty space above the data wins. */
const GRID_LINE_CHOICES = [4, 5, 6] as const;

/** A drawing surface of RGB pixels. */
export class Raster {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb,
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < this.pixels.length; i += 3) this.pixels.set(background, i);
  }

  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.pixels.set(c, (y * this.width + x) * 3);
  }

  get(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.pixels[i]!, this.pixels[i + 1]!, this.pixels[i + 2]!];
  }

  /** Fills [x0, x1) × [y0, y1). */
  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    const xa = Math.max(0, Math.round(Math.min(x0, x1)));
    const xb = Math.min(this.width, Math.round(Math.max(x0, x1)));
    const ya = Math.max(0, Math.round(Math.min(y0, y1)));
    const yb = Math.min(this.height, Math.round(Math.max(y0, y1)));
    for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) this.pixels.set(c, (y * this.width + x) * 3);
  }

  disc(cx: number, cy: number, r: number, c: Rgb): void {
    const r2 = r * r + r * 0.8;
    for (let dy = -Math.ceil(r); dy <= Math.ceil(r); dy++) for (let dx = -Math.ceil(r); dx <= Math.ceil(r); dx++) if (dx * dx + dy * dy <= r2) this.set(Math.round(cx) + dx, Math.round(cy) + dy, c);
  }

  /** A straight line of a given thickness, drawn by stamping discs along it. */
  line(x0: number, y0: number, x1: number, y1: number, thickness: number, c: Rgb): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const r = Math.max(0, (thickness - 1) / 2);
    for (let i = 0; i <= steps; i++) {
      const x = x0 + ((x1 - x0) * i) / steps;
      const y = y0 + ((y1 - y0) * i) / steps;
      if (r === 0) this.set(Math.round(x), Math.round(y), c);
      else this.disc(x, y, r, c);
    }
  }

  text(s: string, x: number, y: number, scale: number, c: Rgb): void {
    let cx = Math.round(x);
    const top = Math.round(y);
    for (const ch of s) {
      const rows = glyph(ch);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        const bits = rows[row]!;
        for (let col = 0; col < GLYPH_WIDTH; col++) if (bits & (1 << (GLYPH_WIDTH - 1 - col))) this.rect(cx + col * scale, top + row * scale, cx + (col + 1) * scale, top + (row + 1) * scale, c);
      }
      cx += GLYPH_ADVANCE * scale;
    }
  }
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

const DOLLAR = new Set(['USD', 'CAD', 'AUD', 'SGD', 'MXN', 'NZD']);

function groupThousands(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * An axis label for an amount in minor units: "$1,250", "$0.50", "$25K", exact (integer arithmetic). The unit
 * (K, M or none) follows the axis' top value, so every label of one axis uses the same.
 */
export function moneyAxisLabel(minor: number, step: number, currency: string | null, axisTop = minor): string {
  const digits = currency ? currencyDigits(currency) : 2;
  const unit = 10 ** digits;
  const prefix = currency && DOLLAR.has(currency) ? '$' : '';
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
  /** Pixel scale of the font for labels and the title. */
  labelScale: number;
  titleScale: number;
  /** The plotting area: [left, right) × [top, bottom); values sit on `bottom`. */
  plot: { left: number; top: number; right: number; bottom: number };
  gridLines: number;
  money: { step: number; top: number; labels: string[] };
  clicks: { step: number; top: number; labels: string[] };
  /** Bars for days with commission above zero. */
  bars: Array<{ date: string; x0: number; x1: number; y0: number; y1: number }>;
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
  const labelScale = width >= 720 && height >= 360 ? 2 : 1;
  const titleScale = labelScale + 1;
  const charH = GLYPH_HEIGHT * labelScale;

  const maxMoney = Math.max(0, ...series.map((d) => d.commissionMinor));
  const maxClicks = Math.max(0, ...series.map((d) => d.clicks));
  const { lines: gridLines, moneyStep, clicksStep } = scales(maxMoney, maxClicks, 10 ** (opts.currency ? currencyDigits(opts.currency) : 2));
  const ticks = Array.from({ length: gridLines + 1 }, (_, i) => i);
  const moneyLabels = ticks.map((i) => moneyAxisLabel(i * moneyStep, moneyStep, opts.currency, gridLines * moneyStep));
  const clickLabels = ticks.map((i) => countAxisLabel(i * clicksStep, clicksStep, gridLines * clicksStep));

  const pad = 8 * labelScale;
  const left = pad + Math.max(...moneyLabels.map((l) => textWidth(l, labelScale))) + pad;
  const right = width - (pad + Math.max(...clickLabels.map((l) => textWidth(l, labelScale))) + pad);
  const top = pad + GLYPH_HEIGHT * titleScale + pad + charH + pad * 2;
  const bottom = height - (pad + charH + pad);
  const plot = { left, top, right, bottom };
  const plotH = bottom - top;
  const days = Math.max(1, series.length);
  const slot = (right - left) / days;

  const bars: ChartLayout['bars'] = [];
  const points: ChartLayout['points'] = [];
  series.forEach((d, i) => {
    const x0 = left + i * slot;
    const h = Math.round((Math.max(0, d.commissionMinor) / (moneyStep * gridLines)) * plotH);
    if (h > 0) bars.push({ date: d.date, x0: Math.round(x0 + slot * 0.18), x1: Math.round(x0 + slot * 0.82), y0: bottom - h, y1: bottom });
    points.push({ date: d.date, x: Math.round(x0 + slot / 2), y: Math.round(bottom - (Math.max(0, d.clicks) / (clicksStep * gridLines)) * plotH) });
  });

  // Dates under the axis: as many as fit, always including the last day (yesterday).
  const labelW = textWidth('00-00', labelScale) + pad * 2;
  const every = Math.max(1, Math.ceil(labelW / slot));
  const labelledDays: number[] = [];
  for (let i = series.length - 1; i >= 0; i -= every) labelledDays.unshift(i);

  return {
    width, height, labelScale, titleScale, plot,
    gridLines,
    money: { step: moneyStep, top: moneyStep * gridLines, labels: moneyLabels },
    clicks: { step: clicksStep, top: clicksStep * gridLines, labels: clickLabels },
    bars, points, labelledDays,
    lineThickness: 2 * labelScale + 1,
  };
}

/** The PNG of a daily series of confirmed commission (bars) and clicks (line). */
export function renderChartPng(series: ReadonlyArray<ChartDay>, opts: ChartOptions): Buffer {
  const L = chartLayout(series, opts);
  const C = CHART_COLORS;
  const r = new Raster(L.width, L.height, C.background);
  const { left, top, right, bottom } = L.plot;
  const s = L.labelScale;
  const charH = GLYPH_HEIGHT * s;
  const pad = 8 * s;

  // Title (smaller, then cut, when it does not fit), then the date range and the legend below it.
  const room = L.width - 2 * pad;
  let title = opts.title ?? `Confirmed commission${opts.currency ? ` (${opts.currency})` : ''} and clicks per day`;
  let ts = L.titleScale;
  while (ts > 1 && textWidth(title, ts) > room) ts--;
  while (title.length > 1 && textWidth(title, ts) > room) title = title.slice(0, -3).trimEnd() + '..';
  r.text(title, pad, pad + (GLYPH_HEIGHT * (L.titleScale - ts)) / 2, ts, C.text);
  const subY = pad + GLYPH_HEIGHT * L.titleScale + pad;
  const legendClicks = 'Clicks';
  const legendMoney = 'Commission';
  const sw = charH + 2 * s;
  let lx = L.width - pad - textWidth(legendClicks, s);
  r.text(legendClicks, lx, subY, s, C.text);
  lx -= pad + sw;
  r.line(lx, subY + charH / 2, lx + sw, subY + charH / 2, L.lineThickness, C.line);
  lx -= pad * 2 + textWidth(legendMoney, s);
  r.text(legendMoney, lx, subY, s, C.text);
  lx -= pad + sw;
  r.rect(lx, subY, lx + sw, subY + charH, C.bar);
  const first = series[0]?.date;
  const last = series[series.length - 1]?.date;
  const range = first && last ? (first === last ? first : `${first} to ${last}`) : '';
  if (range && pad + textWidth(range, s) + 2 * pad <= lx) r.text(range, pad, subY, s, C.muted);

  // Gridlines and both axes' labels.
  for (let i = 0; i <= L.gridLines; i++) {
    const y = Math.round(bottom - ((bottom - top) * i) / L.gridLines);
    if (i > 0) r.rect(left, y, right, y + 1, C.grid);
    const ml = L.money.labels[i]!;
    r.text(ml, left - pad - textWidth(ml, s), y - charH / 2, s, C.muted);
    r.text(L.clicks.labels[i]!, right + pad, y - charH / 2, s, C.muted);
  }

  for (const b of L.bars) r.rect(b.x0, b.y0, b.x1, b.y1, C.bar);

  // Axes: the baseline and the two value axes.
  r.rect(left, bottom, right + 1, bottom + Math.max(1, s), C.axis);
  r.rect(left - Math.max(1, s), top, left, bottom + Math.max(1, s), C.axis);
  r.rect(right, top, right + Math.max(1, s), bottom + Math.max(1, s), C.axis);

  for (const i of L.labelledDays) {
    const p = L.points[i]!;
    const label = series[i]!.date.slice(5);
    r.rect(p.x, bottom, p.x + Math.max(1, s), bottom + pad / 2, C.axis);
    r.text(label, Math.min(L.width - textWidth(label, s) - 1, Math.max(0, p.x - textWidth(label, s) / 2)), bottom + pad, s, C.muted);
  }

  for (let i = 1; i < L.points.length; i++) {
    const a = L.points[i - 1]!;
    const b = L.points[i]!;
    r.line(a.x, a.y, b.x, b.y, L.lineThickness, C.line);
  }
  for (const p of L.points) r.disc(p.x, p.y, L.lineThickness - 1, C.line);

  if (L.bars.length === 0 && series.every((d) => d.clicks <= 0)) {
    const msg = 'No confirmed commission or clicks';
    r.text(msg, (left + right - textWidth(msg, s)) / 2, (top + bottom) / 2 - charH, s, C.muted);
  }

  return encodePng(L.width, L.height, r.pixels);
}
