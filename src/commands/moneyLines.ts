// Shared wording of commission figures, so /earnings, the digest and notifications read the same.
import type { CurrencyTotals } from '../domain/earnings/summary.ts';
import { formatMoney } from '../domain/money.ts';

export function totalsFields(t: CurrencyTotals, multiCurrency: boolean): Array<{ label: string; value: string; inline: boolean }> {
  const suffix = multiCurrency ? ` (${t.currency})` : '';
  const fields = [
    { label: `Confirmed${suffix}`, value: formatMoney(t.confirmed, t.currency), inline: true },
    { label: `Pending${suffix}`, value: formatMoney(t.pending, t.currency), inline: true },
    { label: `Reversed${suffix}`, value: formatMoney(t.reversed, t.currency), inline: true },
  ];
  if (t.bounty) fields.push({ label: `Bounties${suffix}`, value: formatMoney(t.bounty, t.currency), inline: true });
  fields.push({ label: `Net${suffix}`, value: formatMoney(t.net, t.currency), inline: true });
  return fields;
}
