// A digest report (built by src/domain/digest) → the card (within every platform's limits, however large the
// roster), the full table as CSV and the 30-day chart as PNG. The card carries the chart and the CSV as elements:
// Discord attaches them to the message (the chart shown in the embed), Slack shows the chart as an image block
// from a signed URL and shares the CSV (bots/slack). Figures are short labelled phrases a manager reads at a
// glance ("$412.00 confirmed (+197% vs Fri)"); a day without any activity is a short quiet-day card.
import { renderChartPng, OTHERS, type ChartDay } from '../domain/digest/chartPng.ts';
import { digestCsv } from '../domain/digest/digestCsv.ts';
import type { CurrencyFigures, DigestReport, DigestWarning, InfluencerFigures } from '../domain/digest/digestReport.ts';
import { assertNever, card, chart, context, field, fields, file, header, line, list, text, type Card, type CardElement, type CardLine } from './card.ts';
import { count, money, plural, shorten as clip } from './text.ts';

/** Influencers listed on the card by default; the rest are "and N more" and in the CSV. */
export const DEFAULT_TOP_INFLUENCERS = 10;
/** Influencers with their own colour in the chart; the rest of the roster is one "Others" stack. */
export const CHART_TOP_INFLUENCERS = 5;
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

/**
 * Change of a figure against an earlier one: "+20%", "-5%", "no change" (equal, both zero included), "+<1%" /
 * "-<1%" (a change that rounds to nothing), or "—" when the earlier one was zero (no base to compare with).
 */
export function changeText(current: number, previous: number): string {
  if (current === previous) return 'no change';
  if (previous === 0) return '—';
  const pct = Math.round(((current - previous) * 100) / Math.abs(previous));
  if (pct === 0) return current > previous ? '+<1%' : '-<1%';
  return pct > 0 ? `+${count(pct)}%` : `-${count(-pct)}%`;
}

/** "+20% vs Fri", "no change vs Fri", "— vs Fri". */
export function versus(current: number, previous: number, label: string): string {
  return `${changeText(current, previous)} ${label}`;
}

/** Orders per click as a percentage with one decimal ("3.3%"), or "—" without clicks. */
export function conversionText(basisPoints: number | null): string {
  if (basisPoints === null) return '—';
  const tenths = Math.round(basisPoints / 10);
  return `${Math.trunc(tenths / 10)}.${tenths % 10}%`;
}

/** Amounts of every currency with a non-zero figure, "$12.00 + £3.00"; zero in the main currency when none. */
function moneyOf(list: CurrencyFigures[], pick: (m: CurrencyFigures) => number, fallbackCurrency: string | null): string {
  const shown = list.filter((m) => pick(m) !== 0);
  if (shown.length === 0) return money(0, fallbackCurrency ?? 'USD');
  return shown.map((m) => money(pick(m), m.currency)).join(' + ');
}

const anyMoney = (list: CurrencyFigures[], pick: (m: CurrencyFigures) => number) => list.some((m) => pick(m) !== 0);

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

/** "40 clicks", "40 clicks, 3 repeats and 1 bot": the kinds with a count, plurals right. */
function listOf(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function warningLine(w: DigestWarning, tz: string): CardLine {
  switch (w.kind) {
    case 'click-spike': {
      const avg = Math.round((w.baselineClicks * 10) / w.baselineDays) / 10;
      return {
        text: `@${w.handle}: click spike, no orders`,
        detail: `${plural(w.clicks, 'click')} yesterday, against ${count(avg)} a day the ${w.baselineDays} days before. Possibly fake traffic.`,
      };
    }
    case 'low-quality-traffic':
      return {
        text: `@${w.handle}: ${w.sharePercent}% of yesterday's traffic was repeats or bots`,
        detail: `${listOf([plural(w.clicks, 'click'), plural(w.repeats, 'repeat'), plural(w.bots, 'bot')])}.`,
      };
    case 'return-rate-jump': {
      const pct = (r: number, s: number) => (s > 0 ? `${Math.round((r * 100) / s)}%` : 'all');
      return {
        text: `@${w.handle}: returns up to ${pct(w.returned, w.shipped)}`,
        detail: `${count(w.returned)} of ${plural(w.shipped, 'item')} shipped this month came back, against ${pct(w.previousReturned, w.previousShipped)} (${count(w.previousReturned)} of ${count(w.previousShipped)}) last month.`,
      };
    }
    case 'unavailable-products': {
      const what = [w.unavailable ? `${count(w.unavailable)} unavailable` : '', w.outOfStock ? `${count(w.outOfStock)} out of stock` : '']
        .filter(Boolean)
        .join(', ');
      const examples = w.examples.map((e) => `@${e.handle}: ${clip(e.title ?? e.asin, 50)}`).join('; ');
      return {
        text: `${plural(w.count, 'storefront product')} can't be bought on Amazon`,
        detail: `${what}${examples ? ` — ${examples}` : ''}. Followers still reach Amazon's page; swap them for products in stock.`,
      };
    }
    case 'feed-late':
      return {
        text: `Feed "${clip(w.name, 60)}" is late`,
        detail: `Expected by ${localStamp(w.expectedAt, tz)} (schedule "${w.cron}" UTC); last arrived ${w.lastSuccessAt ? localStamp(w.lastSuccessAt, tz) : 'never'}${w.lastError ? `; last error: ${clip(w.lastError, 120)}` : ''}. Figures may be incomplete.`,
      };
  }
}

/** The roster of a quiet day, so a manager still sees who is in the team: ": @a, @b and 12 more". */
const QUIET_ROSTER_NAMES = 10;
function rosterNames(report: DigestReport): string {
  const names = report.influencers.slice(0, QUIET_ROSTER_NAMES).map((i) => `@${i.handle}`);
  if (names.length === 0) return '';
  const more = report.influencers.length - names.length;
  return `: ${names.join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}`;
}

/** Orders with their conversion when there were clicks: "27 orders (2.2% of clicks)". */
function ordersPhrase(orders: number, basisPoints: number | null): string {
  return basisPoints === null || orders === 0 ? plural(orders, 'order') : `${plural(orders, 'order')} (${conversionText(basisPoints)} of clicks)`;
}

/** "@anna — $412.00 yesterday (+197% vs Fri), 1,204 clicks, 27 orders · $1,234.00 this month", or "quiet yesterday". */
function influencerLine(i: InfluencerFigures, report: DigestReport, vsDay: string): CardLine {
  const cur = report.primaryCurrency;
  const y = i.yesterday;
  const main = i.money.find((m) => m.currency === cur) ?? i.money[0];
  const parts: string[] = [];
  if (anyMoney(i.money, (m) => m.yesterday.confirmed)) {
    const cmp = main && main.yesterday.confirmed !== 0 ? ` (${versus(main.yesterday.confirmed, main.dayBeforeConfirmed, vsDay)})` : '';
    parts.push(`${moneyOf(i.money, (m) => m.yesterday.confirmed, cur)} yesterday${cmp}`);
  }
  if (anyMoney(i.money, (m) => m.yesterday.pending)) parts.push(`${moneyOf(i.money, (m) => m.yesterday.pending, cur)} pending`);
  if (y.clicks) parts.push(plural(y.clicks, 'click'));
  if (y.orders) parts.push(plural(y.orders, 'order'));
  const today = parts.length ? parts.join(', ') : 'quiet yesterday';
  const month = anyMoney(i.money, (m) => m.monthToDate.confirmed) ? ` · ${moneyOf(i.money, (m) => m.monthToDate.confirmed, cur)} this month` : '';
  return { text: `@${i.handle}`, detail: `${today}${month}` };
}

/** Nothing happened yesterday: no commission of any kind, no clicks, no orders, nothing to warn about. */
export function isQuietDay(report: DigestReport): boolean {
  const t = report.totals;
  const y = t.yesterday;
  const money = t.money.some((m) => m.yesterday.confirmed !== 0 || m.yesterday.pending !== 0 || m.yesterday.reversed !== 0);
  return !money && y.clicks === 0 && y.orders === 0 && y.repeats === 0 && y.bots === 0 && y.previews === 0 && report.warnings.length === 0;
}

/** The chart's days: confirmed split into the top influencers (by the window's confirmed) and "Others", and pending. */
export function chartSeries(report: DigestReport, top = CHART_TOP_INFLUENCERS): { days: ChartDay[]; stacks: string[] } {
  const people = report.series.influencers;
  const shown = people.slice(0, top);
  const days = report.series.days.map((d, i) => {
    const own = shown.map((p) => Math.max(0, p.confirmed[i] ?? 0));
    const rest = Math.max(0, d.commissionMinor - own.reduce((a, b) => a + b, 0));
    return { d, own, rest };
  });
  const others = people.length > top || days.some((x) => x.rest > 0);
  const stacks = [...shown.map((p) => `@${p.handle}`), ...(others && shown.length ? [OTHERS] : [])];
  return {
    stacks,
    days: days.map(({ d, own, rest }) => ({
      date: d.date,
      commissionMinor: d.commissionMinor,
      pendingMinor: d.pendingMinor,
      clicks: d.clicks,
      ...(shown.length ? { stacks: others ? [...own, rest] : own } : {}),
    })),
  };
}

/** Whether the 30 days have anything to draw. */
const seriesHasData = (report: DigestReport) => report.series.days.some((d) => d.commissionMinor !== 0 || d.pendingMinor !== 0 || d.clicks !== 0);

/** The card, the CSV and the chart of a digest. */
export function digestCard(report: DigestReport, opts: DigestCardOptions = {}): DigestCard {
  const baseUrl = opts.baseUrl?.replace(/\/+$/, '');
  const topInfluencers = Math.max(1, Math.floor(opts.topInfluencers ?? DEFAULT_TOP_INFLUENCERS));
  const tz = report.timezone;
  const cur = report.primaryCurrency;
  const t = report.totals;
  const y = t.yesterday;
  const mtd = t.monthToDate;
  const day = weekday(report.date);
  const vsDay = `vs ${weekday(report.dayBefore)}`;
  const vsWeek = `vs last ${weekday(report.weekAgo)}`;

  const csvFileName = `digest-${report.date}.csv`;
  const chartFileName = `digest-${report.date}.png`;
  const csv = digestCsv(report);
  const split = chartSeries(report);
  const chartPng = renderChartPng(split.days, { currency: report.series.currency, stacks: split.stacks });
  const tone = report.warnings.length ? 'warning' : 'info';
  const title = header(`Team digest · ${report.date}`);
  // The chart first, then the table; a month with nothing in it gets neither (a blank chart says nothing).
  const withFiles = seriesHasData(report);
  const files: CardElement[] = withFiles
    ? [
        chart(chartFileName, chartPng, `Confirmed commission per day by influencer, pending apart, and clicks, the 30 days to ${report.date}`),
        file(csvFileName, Buffer.from(csv, 'utf8'), 'text/csv'),
      ]
    : [];
  const done = (reply: Card): DigestCard => ({ reply, csv, chartPng, csvFileName, chartFileName });

  if (report.influencers.length === 0) {
    return done(card({ visibility: 'ephemeral', tone }, [title, text('No influencers in your team yet. They join with /storefront setup.'), ...files]));
  }

  const monthPhrase = () => {
    const parts = [`${moneyOf(t.money, (m) => m.monthToDate.confirmed, cur)} confirmed`];
    if (anyMoney(t.money, (m) => m.monthToDate.pending)) parts.push(`${moneyOf(t.money, (m) => m.monthToDate.pending, cur)} pending`);
    if (anyMoney(t.money, (m) => m.monthToDate.reversed)) parts.push(`${moneyOf(t.money, (m) => m.monthToDate.reversed, cur)} returned`);
    return parts.join(', ');
  };

  if (isQuietDay(report)) {
    const month =
      anyMoney(t.money, (m) => m.monthToDate.confirmed) || anyMoney(t.money, (m) => m.monthToDate.pending) || mtd.clicks > 0
        ? ` Month to date: ${monthPhrase()}, ${plural(mtd.clicks, 'click')}.`
        : '';
    return done(
      card({ visibility: 'ephemeral', tone }, [
        title,
        text(
          `Quiet day: no clicks, orders or commission on ${day} ${report.date} across ${plural(report.influencers.length, 'influencer')}${rosterNames(report)}.${month}`,
        ),
        ...files,
        context(`Yesterday is ${report.date} in ${tz}.${withFiles ? ' The chart shows the last 30 days; the CSV has every influencer.' : ''}`),
      ]),
    );
  }

  // "Yesterday (Sat) $412.00 confirmed (+197% vs Fri), $35.00 pending, 1,204 clicks, 27 orders."
  const main = t.money.find((m) => m.currency === cur) ?? t.money[0];
  const confirmedCmp = main ? ` (${versus(main.yesterday.confirmed, main.dayBeforeConfirmed, vsDay)})` : '';
  const introParts = [`${moneyOf(t.money, (m) => m.yesterday.confirmed, cur)} confirmed${confirmedCmp}`];
  if (anyMoney(t.money, (m) => m.yesterday.pending)) introParts.push(`${moneyOf(t.money, (m) => m.yesterday.pending, cur)} pending`);
  introParts.push(plural(y.clicks, 'click'), plural(y.orders, 'order'));
  const intro =
    `Yesterday (${day}) ${introParts.join(', ')}.` + (report.warnings.length ? ` ${plural(report.warnings.length, 'thing')} to look at below.` : '');

  const confirmedValue = t.money.length
    ? t.money
        .filter((m) => m.yesterday.confirmed !== 0 || m.dayBeforeConfirmed !== 0 || m.weekAgoConfirmed !== 0 || m.currency === cur)
        .map(
          (m) =>
            `${money(m.yesterday.confirmed, m.currency)} (${versus(m.yesterday.confirmed, m.dayBeforeConfirmed, vsDay)}, ${versus(m.yesterday.confirmed, m.weekAgoConfirmed, vsWeek)})`,
        )
        .join('\n')
    : `${money(0, cur ?? 'USD')} (no change ${vsDay})`;
  const pendingParts = [moneyOf(t.money, (m) => m.yesterday.pending, cur)];
  if (anyMoney(t.money, (m) => m.yesterday.reversed)) pendingParts.push(`${moneyOf(t.money, (m) => m.yesterday.reversed, cur)} returned`);
  const doubtful = [mtd.repeats && plural(mtd.repeats, 'repeat'), mtd.previews && plural(mtd.previews, 'preview'), mtd.bots && plural(mtd.bots, 'bot')].filter(
    (p): p is string => Boolean(p),
  );
  const figures = fields([
    field('Confirmed yesterday', confirmedValue, { inline: true }),
    field('Clicks yesterday', `${count(y.clicks)} (${versus(y.clicks, t.clicksDayBefore, vsDay)}, ${versus(y.clicks, t.clicksWeekAgo, vsWeek)})`, {
      inline: true,
    }),
    field('Orders yesterday', ordersPhrase(y.orders, y.conversion.basisPoints), { inline: true }),
    field('Pending yesterday', pendingParts.join(', '), { inline: true }),
    field(`Month to date (from ${report.monthStart.slice(5)})`, monthPhrase(), { inline: true }),
    field(
      'Traffic month to date',
      `${plural(mtd.clicks, 'click')}, ${ordersPhrase(mtd.orders, mtd.conversion.basisPoints)}` + (doubtful.length ? `; not counted: ${listOf(doubtful)}` : ''),
      { inline: true },
    ),
  ]);

  const sections: Section[] = [];
  // A list with nothing in it gets no section at all (the influencers always have theirs).
  const addSection = <T>(title: string, items: readonly T[], toLine: (item: T) => CardLine, max: number) => {
    if (items.length) sections.push(fitSection(title, items.map(toLine), max));
  };
  addSection('Needs attention', report.warnings, (w) => warningLine(w, tz), MAX_WARNING_LINES);

  const shown = Math.min(topInfluencers, report.influencers.length);
  sections.push(
    fitSection(
      shown === report.influencers.length
        ? `Influencers by confirmed this month`
        : `Top ${shown} of ${plural(report.influencers.length, 'influencer')} by confirmed this month`,
      report.influencers.slice(0, topInfluencers).map((i) => influencerLine(i, report, vsDay)),
      topInfluencers,
      report.influencers.length,
    ),
  );

  addSection(
    'Top products this month',
    report.topProducts,
    (p) =>
      line(clip(p.name ?? p.asin, 70), {
        detail:
          `${money(p.confirmed, p.currency)} confirmed` +
          (p.pending ? `, ${money(p.pending, p.currency)} pending` : '') +
          `, ${plural(p.orders, 'order')}` +
          (p.influencers > 1 ? ` by ${plural(p.influencers, 'influencer')}` : '') +
          ` · ${p.asin}`,
      }),
    report.topProducts.length,
  );
  addSection(
    'Top links this month',
    report.topLinks,
    (l) =>
      line(`@${l.handle} · ${clip(l.title ?? l.asin, 40)}`, {
        url: baseUrl ? `${baseUrl}/l/${l.code}` : undefined,
        detail: `${plural(l.clicksMonthToDate, 'click')} (${count(l.clicksYesterday)} yesterday)${l.campaign ? ` · ${clip(l.campaign, 30)}` : ''}${baseUrl ? '' : ` · /l/${l.code}`}`,
      }),
    report.topLinks.length,
  );
  addSection(
    'Tracking IDs nobody registered (last 30 days)',
    report.unattributed,
    (u) =>
      line(u.trackingId, {
        detail: `${plural(u.lines, 'report line')} (${u.marketplaces.join(', ')}), ${u.money.map((m) => `${money(m.confirmed, m.currency)} confirmed, ${money(m.pending, m.currency)} pending`).join(' + ')}, last seen ${localStamp(u.lastSeenAt, tz).slice(0, 10)}`,
      }),
    MAX_UNATTRIBUTED_LINES,
  );

  const attached = withFiles ? ' The chart shows the last 30 days by influencer; the CSV has the full table.' : '';
  const footer = context(
    `Yesterday is ${report.date} in ${tz}; month to date runs from ${report.monthStart}. Orders are items ordered (items shipped where a feed has no order lines); "—" means there is nothing to compare with.${attached}`,
  );
  const compose = () =>
    card({ visibility: 'ephemeral', tone }, [
      title,
      text(intro),
      figures,
      ...files,
      ...sections.map((x) => list(x.title, [...x.lines], x.more !== undefined ? { more: x.more } : {})),
      footer,
    ]);
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
  let n = 8; // a tone marker
  for (const e of c.elements) {
    switch (e.type) {
      case 'header':
      case 'text':
        n += displayChars(e.text);
        break;
      case 'context':
        n += e.text.length;
        break;
      case 'fields':
        for (const f of e.fields) n += displayChars(f.label) + displayChars(f.value);
        break;
      case 'list':
        n += sectionChars(e) + displayChars(e.title);
        break;
      case 'links':
        for (const b of e.buttons) n += b.label.length + b.url.length;
        break;
      case 'copy':
      case 'actions':
      case 'image':
      case 'chart':
      case 'file':
        break; // outside the counted text (copy text, buttons' ids, files travel apart)
      default:
        assertNever(e);
    }
  }
  return n;
}

/** Characters of a section's lines and its "and N more" line as the renderers write them. */
export function sectionChars(s: { lines: readonly CardLine[]; more?: number }): number {
  return s.lines.reduce((a, l) => a + lineChars(l), 0) + (s.more ? MORE_LINE_CHARS : 0);
}
