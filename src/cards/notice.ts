// The commission notice: what an influencer is told when new ledger lines of theirs arrive (src/domain/notifications
// claims the news and sums it; this turns the sums into the card).
import type { CommissionNews } from '../domain/notifications/commissionNotice.ts';
import { formatMoney } from '../domain/money.ts';
import { card, context, field, fields, header, line, links, linkButton, list, text, type Card, type Field } from './card.ts';
import { pluralWord } from './text.ts';

const KIND_WORD: Record<string, string> = { confirmed: 'confirmed', pending: 'pending', reversal: 'reversed', bounty: 'bounty' };

export function commissionCard(news: CommissionNews, storefrontUrl: string): Card {
  const figures: Field[] = news.totals.flatMap((t) => {
    const suffix = news.totals.length > 1 ? ` (${t.currency})` : '';
    const money = (label: string, amount: number) => (amount ? [field(`${label}${suffix}`, formatMoney(amount, t.currency), { inline: true })] : []);
    return [...money('Confirmed', t.confirmed), ...money('Pending', t.pending), ...money('Reversed', t.reversed), ...money('Bounties', t.bounty)];
  });
  return card({ visibility: 'channel', tone: 'success' }, [
    header(`New commission for @${news.handle}`),
    text(`${news.items} new ${pluralWord(news.items, 'item')} in your Amazon reports.`),
    fields(figures),
    news.top.length &&
      list(
        'Top items',
        news.top.map((t) => line(t.name, { detail: `${formatMoney(t.amount, t.currency)} ${KIND_WORD[t.kind] ?? t.kind}` })),
      ),
    links([linkButton('Open storefront', storefrontUrl)]),
    context('Run /earnings for the details by product and by link.'),
  ]);
}
