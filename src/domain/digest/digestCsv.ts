// The full per-influencer table of a digest as CSV: one row per influencer (however large the roster), money
// columns per currency the organisation earns in, amounts as exact decimals in major units ("12.34").
import { currencyDigits } from '../amazon/marketplaces.ts';
import { toCsv, type CsvValue } from './csv.ts';
import type { DigestReport, DigestWarning, InfluencerFigures } from './digestReport.ts';

/** Minor units → an exact decimal string in major units, without floats: 123456 USD → "1234.56". */
export function decimalAmount(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  if (digits === 0) return String(minor);
  const unit = 10 ** digits;
  const abs = Math.abs(minor);
  return `${minor < 0 ? '-' : ''}${Math.trunc(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`;
}

/** Basis points → a percentage with two decimals ("3.25"); empty without clicks. */
export function percentFromBasisPoints(bp: number | null): string {
  if (bp === null) return '';
  return `${Math.trunc(bp / 100)}.${String(bp % 100).padStart(2, '0')}`;
}

const MONEY_COLUMNS = [
  ['confirmed_yesterday', (i: InfluencerFigures['money'][number]) => i.yesterday.confirmed],
  ['pending_yesterday', (i) => i.yesterday.pending],
  ['reversed_yesterday', (i) => i.yesterday.reversed],
  ['confirmed_day_before', (i) => i.dayBeforeConfirmed],
  ['confirmed_same_weekday_last_week', (i) => i.weekAgoConfirmed],
  ['confirmed_mtd', (i) => i.monthToDate.confirmed],
  ['bounty_mtd', (i) => i.monthToDate.bounty],
  ['pending_mtd', (i) => i.monthToDate.pending],
  ['reversed_mtd', (i) => i.monthToDate.reversed],
] as const satisfies ReadonlyArray<readonly [string, (m: InfluencerFigures['money'][number]) => number]>;

function warningLabel(w: DigestWarning): string {
  switch (w.kind) {
    case 'click-spike':
      return 'click spike without orders';
    case 'low-quality-traffic':
      return `${w.sharePercent}% repeats or bots`;
    case 'return-rate-jump':
      return 'return rate jump';
    case 'feed-late':
      return 'feed late';
    case 'unavailable-products':
      return 'products unavailable';
  }
}

export function digestCsv(report: DigestReport): string {
  const header: string[] = ['influencer_id', 'handle', 'display_name'];
  for (const c of report.currencies) for (const [name] of MONEY_COLUMNS) header.push(`${name}_${c}`);
  header.push(
    'clicks_yesterday',
    'repeats_yesterday',
    'previews_yesterday',
    'bots_yesterday',
    'orders_yesterday',
    'conversion_yesterday_pct',
    'clicks_day_before',
    'clicks_same_weekday_last_week',
    'clicks_mtd',
    'repeats_mtd',
    'previews_mtd',
    'bots_mtd',
    'orders_mtd',
    'conversion_mtd_pct',
    'orders_basis',
    'items_shipped_mtd',
    'items_returned_mtd',
    'warnings',
  );
  const warningsBy = new Map<number, string[]>();
  for (const w of report.warnings) if ('influencerId' in w) warningsBy.set(w.influencerId, [...(warningsBy.get(w.influencerId) ?? []), warningLabel(w)]);

  const rows: CsvValue[][] = [header];
  for (const i of report.influencers) {
    const row: CsvValue[] = [i.influencerId, i.handle, i.displayName];
    for (const c of report.currencies) {
      const m = i.money.find((x) => x.currency === c);
      for (const [, get] of MONEY_COLUMNS) row.push(decimalAmount(m ? get(m) : 0, c));
    }
    const y = i.yesterday;
    const mtd = i.monthToDate;
    row.push(
      y.clicks,
      y.repeats,
      y.previews,
      y.bots,
      y.orders,
      percentFromBasisPoints(y.conversion.basisPoints),
      i.clicksDayBefore,
      i.clicksWeekAgo,
      mtd.clicks,
      mtd.repeats,
      mtd.previews,
      mtd.bots,
      mtd.orders,
      percentFromBasisPoints(mtd.conversion.basisPoints),
      mtd.ordersFromOrderLines ? 'ordered' : 'shipped',
      mtd.itemsShipped,
      mtd.itemsReturned,
      (warningsBy.get(i.influencerId) ?? []).join('; '),
    );
    rows.push(row);
  }
  return toCsv(rows);
}
