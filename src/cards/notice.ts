// The commission notice: what an influencer is told when new ledger lines of theirs arrive (src/domain/notifications
// claims the news and sums it; this turns the sums into the card). It always says which dates the money is for, and a
// backfill (every line older than BACKFILL_AGE_DAYS) is told as one summary of past money, never as new commission.
import type { CommissionNews, NewsTotals } from '../domain/notifications/commissionNotice.ts';
import { card, context, field, fields, header, line, links, linkButton, list, text, type Card, type Field } from './card.ts';
import { money, plural, shorten } from './text.ts';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Top item names are cut here: a catalogue title can run to 200 characters. */
const ITEM_NAME_MAX = 80;

const parts = (isoDay: string) => ({ y: Number(isoDay.slice(0, 4)), m: Number(isoDay.slice(5, 7)), d: Number(isoDay.slice(8, 10)) });

/** "7 March 2021", "1–7 March 2021", "28 February – 3 March 2021", "30 December 2020 – 2 January 2021". */
export function dayRange(first: string, last: string): string {
  const a = parts(first);
  const b = parts(last);
  const month = (p: { m: number }) => MONTHS[p.m - 1];
  if (first === last) return `${a.d} ${month(a)} ${a.y}`;
  if (a.y === b.y && a.m === b.m) return `${a.d}–${b.d} ${month(b)} ${b.y}`;
  if (a.y === b.y) return `${a.d} ${month(a)} – ${b.d} ${month(b)} ${b.y}`;
  return `${a.d} ${month(a)} ${a.y} – ${b.d} ${month(b)} ${b.y}`;
}

/** Amazon windows run across month ends (7 March to 5 April): a window of up to two months is named for the month most of it is in. */
export function monthsLabel(start: string, end: string): string {
  const a = parts(start);
  const b = parts(end);
  const span = (Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000 + 1;
  if (span <= 62) {
    const days = new Map<string, number>();
    for (let t = Date.UTC(a.y, a.m - 1, a.d), i = 0; i < span; i++, t += 86_400_000) {
      const key = new Date(t).toISOString().slice(0, 7);
      days.set(key, (days.get(key) ?? 0) + 1);
    }
    const [key] = [...days.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0]!;
    return `${MONTHS[Number(key.slice(5, 7)) - 1]} ${key.slice(0, 4)}`;
  }
  if (a.y === b.y) return `${MONTHS[a.m - 1]}–${MONTHS[b.m - 1]} ${b.y}`;
  return `${MONTHS[a.m - 1]} ${a.y} – ${MONTHS[b.m - 1]} ${b.y}`;
}

/** The whole span the news covers: its report windows, else the dates of its lines. */
function span(news: CommissionNews): { start: string; end: string } | undefined {
  if (news.windows.length)
    return {
      start: news.windows.map((w) => w.start).sort()[0]!,
      end: news.windows
        .map((w) => w.end)
        .sort()
        .at(-1)!,
    };
  return news.dates ? { start: news.dates.first, end: news.dates.last } : undefined;
}

/** "Report window 2021-03-07 to 2021-04-05", "Orders 1–7 March 2021": what the money is for. */
export function coverage(news: CommissionNews): string | undefined {
  const s = span(news);
  if (!s) return undefined;
  if (news.windows.length === 1) return `Report window ${s.start} to ${s.end}`;
  if (news.windows.length > 1) return `Report windows ${s.start} to ${s.end} (${plural(news.windows.length, 'report')})`;
  const types = news.reportTypes;
  const noun = types.every((t) => t === 'orders' || t === 'events') ? 'Orders' : types.every((t) => t === 'earnings') ? 'Shipped' : 'Dated';
  return `${noun} ${dayRange(s.start, s.end)}`;
}

/** "$41.20 confirmed, $12.00 pending": the kinds that moved, in the order money moves. */
function moneyWords(t: NewsTotals): string[] {
  const out: string[] = [];
  if (t.confirmed) out.push(`${money(t.confirmed, t.currency)} confirmed`);
  if (t.pending) out.push(`${money(t.pending, t.currency)} pending`);
  if (t.reversed) out.push(`${money(t.reversed, t.currency)} reversed`);
  if (t.bounty) out.push(`${money(t.bounty, t.currency)} in bounties`);
  return out;
}

function topList(news: CommissionNews) {
  return (
    news.top.length &&
    list(
      'Top items',
      news.top.map((t) => line(shorten(t.name, ITEM_NAME_MAX), { detail: moneyWords(t).join(', ') || money(0, t.currency) })),
    )
  );
}

export function commissionCard(news: CommissionNews, storefrontUrl: string): Card {
  if (news.backfill) return backfillCard(news, storefrontUrl);
  const figures: Field[] = news.totals.flatMap((t) => {
    const suffix = news.totals.length > 1 ? ` (${t.currency})` : '';
    const amount = (label: string, minor: number) => (minor ? [field(`${label}${suffix}`, money(minor, t.currency), { inline: true })] : []);
    return [...amount('Confirmed', t.confirmed), ...amount('Pending', t.pending), ...amount('Reversed', t.reversed), ...amount('Bounties', t.bounty)];
  });
  const covers = coverage(news);
  return card({ visibility: 'channel', tone: 'success' }, [
    header(`New commission for @${news.handle}`),
    text(`${plural(news.items, 'new item')} in your Amazon reports.`),
    covers && text(`${covers}.`),
    fields(figures),
    topList(news),
    links([linkButton('Open storefront', storefrontUrl)]),
    context('Run /earnings for the details by product and by link.'),
  ]);
}

/** Past money loaded now (an old report): one summary naming the period and its totals, not "new commission". */
export function backfillCard(news: CommissionNews, storefrontUrl: string): Card {
  const s = span(news);
  const noun = news.windows.length ? (news.windows.length > 1 ? 'reports' : 'report') : 'orders';
  const what = s ? `${monthsLabel(s.start, s.end)} ${noun}` : noun;
  const money = news.totals.flatMap(moneyWords);
  const covers = coverage(news);
  return card({ visibility: 'channel', tone: 'info' }, [
    header(`Past earnings loaded for @${news.handle}`),
    text(`Backfill: ${[what, plural(news.items, 'item'), ...money].join(', ')}.`),
    text(`${covers ? `${covers}. ` : ''}These are earlier earnings added to your history, not new commission.`),
    links([linkButton('Open storefront', storefrontUrl)]),
    context(s ? `Run /earnings ${s.start}..${s.end} for the details by product and by link.` : 'Run /earnings all for the details by product and by link.'),
  ]);
}
