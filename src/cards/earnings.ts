// Earnings cards: /earnings and the Slack App Home show the same figures (totals per currency and clicks, bots
// included) composed here once; /earnings adds the breakdowns by link and tracking ID.
import type { Period } from '../domain/earnings/period.ts';
import type { CurrencyTotals, EarningsSummary } from '../domain/earnings/summary.ts';
import { shortUrl } from '../domain/links/links.ts';
import {
  card,
  context,
  field,
  fields,
  header,
  line,
  links,
  linkButton,
  list,
  text,
  thumbnail,
  type Card,
  type CardLine,
  type Field,
  type ImageElement,
  type ListElement,
} from './card.ts';
import { marketLabel } from './labels.ts';
import { money, plural, pluralWord } from './text.ts';

/** Tracking IDs listed on the card; a team may have hundreds (the CLI lists them all). */
export const BY_TRACKING_ID_LINES = 10;

/** Confirmed, pending, reversed, bounties (when any) and net of one currency; the currency in the label when there are several. */
export function totalsFields(t: CurrencyTotals, multiCurrency: boolean): Field[] {
  const suffix = multiCurrency ? ` (${t.currency})` : '';
  return [
    field(`Confirmed${suffix}`, money(t.confirmed, t.currency), { inline: true }),
    field(`Pending${suffix}`, money(t.pending, t.currency), { inline: true }),
    field(`Reversed${suffix}`, money(t.reversed, t.currency), { inline: true }),
    ...(t.bounty ? [field(`Bounties${suffix}`, money(t.bounty, t.currency), { inline: true })] : []),
    field(`Net${suffix}`, money(t.net, t.currency), { inline: true }),
  ];
}

/** The figures both earnings cards show: the totals of every currency, then the clicks by kind. */
export function earningsFields(s: Pick<EarningsSummary, 'totals' | 'clicks'>): Field[] {
  const c = s.clicks;
  return [
    ...s.totals.flatMap((t) => totalsFields(t, s.totals.length > 1)),
    field('Clicks', `${plural(c.click, 'click')} · ${plural(c.repeat, 'repeat')} · ${plural(c.preview, 'preview')} · ${plural(c.bot, 'bot')}`),
  ];
}

const items = (n: number) => plural(n, 'item');

export function topProductsList(s: Pick<EarningsSummary, 'topProducts'>): ListElement | undefined {
  if (!s.topProducts.length) return undefined;
  return list(
    'Top products',
    s.topProducts.map((p) => line(p.name ?? p.asin, { detail: `${money(p.amount, p.currency)} · ${items(p.items)}` })),
  );
}

/** The leading product's picture, beside the top products (when the catalogue has one). */
export function topProductThumbnail(s: Pick<EarningsSummary, 'topProducts'>): ImageElement | undefined {
  const p = s.topProducts[0];
  return p?.imageUrl ? thumbnail(p.imageUrl, p.name ?? p.asin) : undefined;
}

export interface EarningsCardData {
  /** "@handle" or "Your team". */
  who: string;
  period: Pick<Period, 'label' | 'timezone'>;
  summary: EarningsSummary;
  publicBaseUrl: string;
  /** The caller's tracking IDs that wait for verification: named, with no figure. */
  waiting?: ReadonlyArray<{ trackingId: string; marketplace: string }>;
  /** Tracking ID claims waiting for a manager (team view only). */
  pendingClaims?: number;
}

/** /earnings: the totals, clicks, top products, commission by link and tracking ID, most-clicked links. */
export function earningsCard(d: EarningsCardData): Card {
  const { summary: s, who, period } = d;
  const url = (code: string) => shortUrl(d.publicBaseUrl, code);
  const intro = !s.hasAnyEntries
    ? `No earnings have been ingested for ${who} yet. Figures appear here once an Amazon Associates report has been loaded.`
    : s.totals.length === 0
      ? `${who}: no commission in this period.`
      : who;
  // An influencer with one tracking ID per store (or a team) sees where the money came from.
  const byId = [...s.byTrackingId].sort((a, b) => b.net - a.net || (a.trackingId < b.trackingId ? -1 : 1)).slice(0, BY_TRACKING_ID_LINES);
  const claims = d.pendingClaims ?? 0;
  return card({ visibility: 'ephemeral' }, [
    header(`Earnings · ${period.label}`),
    text(intro),
    fields(earningsFields(s)),
    topProductsList(s),
    s.linkEarnings.length &&
      list(
        'Commission by link',
        s.linkEarnings.map((l) =>
          line(`${l.title ?? l.asin ?? (l.code ? `/l/${l.code}` : 'A removed link')}${l.campaign ? ` · ${l.campaign}` : ''}`, {
            url: l.code ? url(l.code) : undefined,
            detail: `${money(l.amount, l.currency)} · ${items(l.items)}`,
          }),
        ),
      ),
    s.byTrackingId.length > 1 &&
      list(
        'By tracking ID',
        byId.map((t) => line(t.trackingId, { detail: `net ${money(t.net, t.currency)} · pending ${money(t.pending, t.currency)}` })),
        s.byTrackingId.length > byId.length ? { more: s.byTrackingId.length - byId.length } : {},
      ),
    s.topLinks.length &&
      list(
        'Most-clicked links',
        s.topLinks.map((l) => line(l.title ?? l.asin, { url: url(l.code), detail: `${plural(l.clicks, 'click')}${l.campaign ? ` · ${l.campaign}` : ''}` })),
      ),
    d.waiting?.length &&
      list(
        'Waiting for verification',
        d.waiting.map((t) => line(`${t.trackingId} (${marketLabel(t.marketplace)})`, { detail: 'no figures until it is verified (see /storefront show)' })),
      ),
    context(
      `Times in ${period.timezone}. Pending is estimated from orders; it becomes confirmed when Amazon reports the shipment.` +
        (claims ? ` ${plural(claims, 'tracking ID claim')} ${pluralWord(claims, 'waits', 'wait')} for a decision: /storefront claims.` : ''),
    ),
  ]);
}

export interface HomeCardData {
  handle: string;
  storefrontUrl: string;
  period: Pick<Period, 'label' | 'timezone'>;
  summary: EarningsSummary;
  /** The manager's section (commands only managers have), when the person is one. */
  managerLines?: readonly CardLine[];
}

/** The Slack App Home of someone with a storefront: its URL, the same figures as /earnings for the last 7 days, top products. */
export function homeCard(d: HomeCardData): Card {
  const s = d.summary;
  const intro = !s.hasAnyEntries
    ? 'No earnings have been ingested yet. Figures appear here once an Amazon Associates report has been loaded.'
    : s.totals.length === 0
      ? 'Last 7 days: no commission yet.'
      : 'Last 7 days';
  return card({ visibility: 'ephemeral' }, [
    header(`@${d.handle}'s storefront`),
    text(intro),
    fields([field('Storefront', d.storefrontUrl), ...earningsFields(s)]),
    topProductsList(s),
    topProductThumbnail(s),
    d.managerLines && managerList(d.managerLines),
    links([linkButton('Open storefront', d.storefrontUrl)]),
    context(`${d.period.label} in ${d.period.timezone}. Refreshed each time you open this tab; /earnings shows other periods.`),
  ]);
}

/** The Slack App Home of someone without a storefront: how to make one. */
export function homeSetupCard(d: { managerLines?: readonly CardLine[] }): Card {
  return card({ visibility: 'ephemeral' }, [
    header('Your storefront'),
    text(
      'You have no storefront yet. Create one with /storefront setup <handle> <tracking-id>, then add products with /storefront add <ASIN or Amazon link> [list].',
    ),
    d.managerLines && managerList(d.managerLines),
    context('Type /storefront help for every command.'),
  ]);
}

/** What only managers can do from the App Home: the team's figures, and sharing the team with Discord (or undoing it). */
function managerList(extra: readonly CardLine[]): ListElement {
  return list('For managers', [
    line('/digest now', { detail: 'your team’s earnings digest' }),
    line('/earnings 7d team', { detail: 'the whole team’s commission' }),
    ...extra,
  ]);
}
