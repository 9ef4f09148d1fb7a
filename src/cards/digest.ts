// A digest report (built by src/domain/digest) → the card (within every platform's limits, however large the
// roster), the full table as CSV and the 30-day chart as PNG. The scheduled message's card carries the chart and
// the CSV as elements, which the senders upload with it; a command's reply carries neither.
import { renderChartPng } from '../domain/digest/chartPng.ts';
import { digestCsv } from '../domain/digest/digestCsv.ts';
import type { CurrencyFigures, DigestReport, DigestWarning, InfluencerFigures } from '../domain/digest/digestReport.ts';
import { formatMoney } from '../domain/money.ts';
import { card, chart, context, field, fields, file, header, line, list, text, type Card, type CardElement, type CardLine } from './card.ts';
import { count, plural, shorten as clip } from './text.ts';

/** Influencers listed on the card by default; the rest are "and N more" and in the CSV. */
export const DEFAULT_TOP_INFLUENCERS = 10;
/**
 * Characters a section's lines (and its "and N more" line) may take, counted as the renderers will write
 * them (see displayChars): one Discord embed field value holds 1024, one Slack section 3000.
 */
export const MAX_SECTION_CHARS = 1000;
/** Characters the whole card may take, counted the same way: Discord allows 6000 over a message's embeds. */
export const MAX_CARD_CHARS = 5500;
export const MAX_WARNING_LINES = 8;
export const MAX_UNATTRIBUTED_LINES = 5;

export interface DigestCardOptions {
  /** PUBLIC_BASE_URL, for storefront and short-link URLs; without it lines carry no URL. */
  baseUrl?: string;
  /** How many influencers the card lists (default DEFAULT_TOP_INFLUENCERS). */
  topInfluencers?: number;
  /** Whether the CSV and the chart travel with this card (the scheduled message) or not (a command reply). */
  filesAttached?: boolean;
}

export interface DigestCard {
  reply: Card;
  csv: string;
  chartPng: Buffer;
  csvFileName: string;
  chartFileName: string;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const weekday = (date: string) => WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]!;

/** Change of a figure against an earlier one: "+20%", "-5%", "±0%", or "new" when the earlier one was zero. */
export function changeText(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? '±0%' : 'new';
  const pct = Math.round(((current - previous) * 100) / Math.abs(previous));
  return pct === 0 ? '±0%' : pct > 0 ? `+${pct}%` : `${pct}%`;
}

/** Orders per click as a percentage with one decimal ("3.3%"), or "—" without clicks. */
export function conversionText(basisPoints: number | null): string {
  if (basisPoints === null) return '—';
  const tenths = Math.round(basisPoints / 10);
  return `${Math.trunc(tenths / 10)}.${tenths % 10}%`;
}

function moneyOf(list: CurrencyFigures[], pick: (m: CurrencyFigures) => number, fallbackCurrency: string | null): string {
  const shown = list.filter((m) => pick(m) !== 0);
  if (shown.length === 0) return fallbackCurrency ? formatMoney(0, fallbackCurrency) : formatMoney(0, 'USD');
  return shown.map((m) => formatMoney(pick(m), m.currency)).join(' + ');
}

function localStamp(at: Date, tz: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Markdown characters the renderers escape with a backslash (Discord escapes the most): they count twice. */
const ESCAPED = /[\\*_~`|>#\-[\]()<]/g;

/** Length of a text once a renderer has escaped it for its markup (an upper bound). */
export function displayChars(s: string): number {
  return s.length + (s.match(ESCAPED)?.length ?? 0);
}

/** A list line as the renderers write it: "• label — detail", the label linked when there is a URL, plus the line break. */
const lineChars = (l: CardLine) => 3 + displayChars(l.text) + (l.detail ? 3 + displayChars(l.detail) : 0) + (l.url ? 4 + l.url.length : 0);
const MORE_LINE_CHARS = 24;

/** A list while it is being fitted: lines are dropped from it (and counted in `more`) until the card fits. */
interface Section {
  title: string;
  lines: CardLine[];
  more?: number;
}

/** Takes lines while the section stays within MAX_SECTION_CHARS (and `max` lines); the rest become `more`. */
function fitSection(title: string, lines: CardLine[], max: number, total = lines.length): Section {
  let used = MORE_LINE_CHARS;
  const kept: CardLine[] = [];
  for (const l of lines.slice(0, max)) {
    if (used + lineChars(l) > MAX_SECTION_CHARS) break;
    used += lineChars(l);
    kept.push(l);
  }
  const more = total - kept.length;
  return more > 0 ? { title, lines: kept, more } : { title, lines: kept };
}

function warningLine(w: DigestWarning, tz: string): CardLine {
  switch (w.kind) {
    case 'click-spike': {
      const avg = Math.round((w.baselineClicks * 10) / w.baselineDays) / 10;
      return { text: `@${w.handle}: click spike with no orders`, detail: `${plural(w.clicks, 'click')} yesterday against ${avg} a day over the ${w.baselineDays} days before, and no order. Possibly fake traffic.` };
    }
    case 'low-quality-traffic':
      return { text: `@${w.handle}: ${w.sharePercent}% of yesterday's clicks were repeats or bots`, detail: `${plural(w.clicks, 'click')}, ${plural(w.repeats, 'repeat')}, ${plural(w.bots, 'bot')}.` };
    case 'return-rate-jump': {
      const pct = (r: number, s: number) => (s > 0 ? `${Math.round((r * 100) / s)}%` : 'all');
      return { text: `@${w.handle}: return rate jumped to ${pct(w.returned, w.shipped)}`, detail: `${count(w.returned)} returned of ${count(w.shipped)} shipped this month, against ${pct(w.previousReturned, w.previousShipped)} (${count(w.previousReturned)} of ${count(w.previousShipped)}) last month.` };
    }
    case 'feed-late':
      return {
        text: `Feed "${clip(w.name, 60)}" has not arrived`,
        detail: `Expected by ${localStamp(w.expectedAt, tz)} (schedule "${w.cron}" UTC); last arrived ${w.lastSuccessAt ? localStamp(w.lastSuccessAt, tz) : 'never'}${w.lastError ? `; last error: ${clip(w.lastError, 120)}` : ''}. Figures may be incomplete.`,
      };
  }
}

/** "@handle — $1,234.56 MTD · yesterday $12.00 +20%/-5%, 120 clicks +10%/+3%, 4 orders 3.3%" (changes: vs the day before / the same weekday last week). */
function influencerLine(i: InfluencerFigures, report: DigestReport): CardLine {
  const cur = report.primaryCurrency;
  const y = i.yesterday;
  const money = i.money.filter((m) => m.monthToDate.confirmed !== 0 || m.yesterday.confirmed !== 0 || m.dayBeforeConfirmed !== 0 || m.weekAgoConfirmed !== 0);
  const main = money.find((m) => m.currency === cur) ?? money[0];
  const yesterday = main
    ? `${formatMoney(main.yesterday.confirmed, main.currency)} ${changeText(main.yesterday.confirmed, main.dayBeforeConfirmed)}/${changeText(main.yesterday.confirmed, main.weekAgoConfirmed)}`
    : moneyOf([], (m) => m.yesterday.confirmed, cur);
  const detail =
    `${moneyOf(money, (m) => m.monthToDate.confirmed, cur)} MTD · yesterday ${yesterday}, ` +
    `${plural(y.clicks, 'click')} ${changeText(y.clicks, i.clicksDayBefore)}/${changeText(y.clicks, i.clicksWeekAgo)}, ${plural(y.orders, 'order')} ${conversionText(y.conversion.basisPoints)}`;
  return { text: `@${i.handle}`, detail };
}

/** The card, the CSV and the chart of a digest. */
export function digestCard(report: DigestReport, opts: DigestCardOptions = {}): DigestCard {
  const baseUrl = opts.baseUrl?.replace(/\/+$/, '');
  const topInfluencers = Math.max(1, Math.floor(opts.topInfluencers ?? DEFAULT_TOP_INFLUENCERS));
  const filesAttached = opts.filesAttached ?? true;
  const tz = report.timezone;
  const cur = report.primaryCurrency;
  const t = report.totals;
  const y = t.yesterday;
  const mtd = t.monthToDate;
  const vsDay = `vs ${weekday(report.dayBefore)}`;
  const vsWeek = `vs last ${weekday(report.weekAgo)}`;

  const csvFileName = `digest-${report.date}.csv`;
  const chartFileName = `digest-${report.date}.png`;
  const csv = digestCsv(report);
  const chartPng = renderChartPng(report.series.days, { currency: report.series.currency });
  const tone = report.warnings.length ? 'warning' : 'info';
  const title = header(`Team digest · ${report.date}`);
  // The scheduled message uploads these with the card: the chart first, then the table.
  const files: CardElement[] = filesAttached
    ? [chart(chartFileName, chartPng, `Confirmed commission and clicks per day, the last 30 days to ${report.date}`), file(csvFileName, Buffer.from(csv, 'utf8'), 'text/csv')]
    : [];
  const done = (reply: Card): DigestCard => ({ reply, csv, chartPng, csvFileName, chartFileName });

  if (report.influencers.length === 0) {
    return done(card({ visibility: 'ephemeral', tone }, [title, text('No influencers in your team yet. They join with /storefront setup.'), ...files]));
  }

  const moneyChanges = (pick: (m: CurrencyFigures) => number) => {
    const changed = t.money.filter((m) => m.yesterday.confirmed !== 0 || m.dayBeforeConfirmed !== 0 || m.weekAgoConfirmed !== 0);
    if (changed.length === 0) return `${moneyOf([], pick, cur)} (no change)`;
    return changed.map((m) => `${formatMoney(pick(m), m.currency)} (${changeText(m.yesterday.confirmed, m.dayBeforeConfirmed)} ${vsDay}, ${changeText(m.yesterday.confirmed, m.weekAgoConfirmed)} ${vsWeek})`).join('\n');
  };

  const intro =
    `${weekday(report.date)} ${report.date} for ${plural(report.influencers.length, 'influencer')}: ${moneyOf(t.money, (m) => m.yesterday.confirmed, cur)} confirmed, ` +
    `${plural(y.clicks, 'click')}, ${plural(y.orders, 'order')}.` +
    (report.warnings.length ? ` ${plural(report.warnings.length, 'warning')} below.` : '');
  const figures = fields([
    field('Confirmed yesterday', moneyChanges((m) => m.yesterday.confirmed), { inline: true }),
    field('Clicks yesterday', `${count(y.clicks)} (${changeText(y.clicks, t.clicksDayBefore)} ${vsDay}, ${changeText(y.clicks, t.clicksWeekAgo)} ${vsWeek})`, { inline: true }),
    field('Orders yesterday', `${count(y.orders)} · conversion ${conversionText(y.conversion.basisPoints)}`, { inline: true }),
    field('Pending and reversed yesterday', `${moneyOf(t.money, (m) => m.yesterday.pending, cur)} pending · ${moneyOf(t.money, (m) => m.yesterday.reversed, cur)} reversed`, { inline: true }),
    field(
      `Month to date (${report.monthStart.slice(5)} to ${report.date.slice(5)})`,
      `${moneyOf(t.money, (m) => m.monthToDate.confirmed, cur)} confirmed · ${moneyOf(t.money, (m) => m.monthToDate.pending, cur)} pending · ${moneyOf(t.money, (m) => m.monthToDate.reversed, cur)} reversed`,
      { inline: true },
    ),
    field(
      'Traffic month to date',
      `${plural(mtd.clicks, 'click')} · ${plural(mtd.orders, 'order')} (${conversionText(mtd.conversion.basisPoints)}) · ${plural(mtd.repeats, 'repeat')} · ${plural(mtd.previews, 'preview')} · ${plural(mtd.bots, 'bot')}`,
      { inline: true },
    ),
  ]);

  const sections: Section[] = [];
  if (report.warnings.length) sections.push(fitSection('Needs attention', report.warnings.map((w) => warningLine(w, tz)), MAX_WARNING_LINES));

  const shown = Math.min(topInfluencers, report.influencers.length);
  sections.push(
    fitSection(
      `Top ${shown} of ${plural(report.influencers.length, 'influencer')} by month-to-date confirmed · changes ${vsDay}/${vsWeek}`,
      report.influencers.slice(0, topInfluencers).map((i) => influencerLine(i, report)),
      topInfluencers,
      report.influencers.length,
    ),
  );

  if (report.topProducts.length) {
    sections.push(
      fitSection(
        'Top products · month to date',
        report.topProducts.map((p) =>
          line(clip(p.name ?? p.asin, 70), {
            detail: `${p.asin} · ${formatMoney(p.confirmed, p.currency)} confirmed · ${formatMoney(p.pending, p.currency)} pending · ${plural(p.orders, 'order')} · ${plural(p.influencers, 'influencer')}`,
          }),
        ),
        report.topProducts.length,
      ),
    );
  }
  if (report.topLinks.length) {
    sections.push(
      fitSection(
        'Top links · month to date',
        report.topLinks.map((l) =>
          line(`@${l.handle} · ${clip(l.title ?? l.asin, 40)}`, {
            url: baseUrl ? `${baseUrl}/l/${l.code}` : undefined,
            detail: `${plural(l.clicksMonthToDate, 'click')}, ${count(l.clicksYesterday)} yesterday${l.campaign ? ` · ${clip(l.campaign, 30)}` : ''}${baseUrl ? '' : ` · /l/${l.code}`}`,
          }),
        ),
        report.topLinks.length,
      ),
    );
  }
  if (report.unattributed.length) {
    sections.push(
      fitSection(
        'Tracking IDs in feeds that nobody registered (last 30 days)',
        report.unattributed.map((u) =>
          line(u.trackingId, {
            detail: `${plural(u.lines, 'report line')} (${u.marketplaces.join(', ')}) · ${u.money.map((m) => `${formatMoney(m.confirmed, m.currency)} confirmed, ${formatMoney(m.pending, m.currency)} pending`).join(' + ')} · last seen ${localStamp(u.lastSeenAt, tz).slice(0, 10)}`,
          }),
        ),
        MAX_UNATTRIBUTED_LINES,
      ),
    );
  }

  const attached = filesAttached
    ? `The full table of ${plural(report.influencers.length, 'influencer')} is attached as CSV, with a chart of the last 30 days.`
    : 'The chart of the last 30 days and the full table (CSV) come with the scheduled digest message: /digest subscribe.';
  const footer = context(
    `Yesterday is ${report.date} in ${tz}; month to date runs from ${report.monthStart} to the end of yesterday. Orders are items ordered (items shipped where a feed has no order lines); conversion is orders per click. ${attached}`,
  );
  const compose = () => card({ visibility: 'ephemeral', tone }, [title, text(intro), figures, ...sections.map((x) => list(x.title, [...x.lines], x.more !== undefined ? { more: x.more } : {})), footer, ...files]);
  // Drops lines from the longest section (counting them in `more`) until the card fits MAX_CARD_CHARS.
  let composed = compose();
  while (replyChars(composed) > MAX_CARD_CHARS) {
    const open = sections.filter((x) => x.lines.length > 0);
    if (open.length === 0) break;
    const longest = open.reduce((a, b) => (sectionChars(b) > sectionChars(a) ? b : a));
    longest.lines.pop();
    longest.more = (longest.more ?? 0) + 1;
    composed = compose();
  }
  return done(composed);
}

/** Characters of a card as the renderers write them (escapes included): what platform limits count. */
export function replyChars(c: Card): number {
  let n = displayChars(c.title ?? '') + displayChars(c.text ?? '') + (c.footer?.length ?? 0) + 8; // + a tone marker
  for (const f of c.fields) n += displayChars(f.label) + displayChars(f.value);
  for (const s of c.sections) n += sectionChars(s) + displayChars(s.title);
  for (const b of c.buttons) n += b.label.length + b.url.length;
  return n;
}

/** Characters of a section's lines and its "and N more" line as the renderers write them. */
export function sectionChars(s: { lines: readonly CardLine[]; more?: number }): number {
  return s.lines.reduce((a, l) => a + lineChars(l), 0) + (s.more ? MORE_LINE_CHARS : 0);
}
