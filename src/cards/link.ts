// Cards about tagged short links: the /link answer, the answer to Amazon links posted in an auto-linking Discord
// channel, and the preview Slack shows when one of our short links is pasted.
import { card, context, copy, field, fields, header, line, list, text, thumbnail, type Card, type CardLine } from './card.ts';
import { marketLabel } from './labels.ts';
import { plural, pluralWord, priceAsOf } from './text.ts';

export const DISCLOSURE_HINT = 'Share it with a disclosure such as #ad or “As an Amazon Associate I earn from qualifying purchases.”';

/**
 * /link: the short link as the message's own text (a long press on a phone copies it alone), and beside it the card:
 * the product's name and picture, where the link goes and its campaign.
 */
export function linkCard(d: { productLabel: string; imageUrl?: string | undefined; shortUrl: string; destinationUrl: string; campaign: string | null }): Card {
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    copy(d.shortUrl),
    header(d.productLabel),
    text('Your tagged short link, ready to paste.'),
    d.imageUrl && thumbnail(d.imageUrl, d.productLabel),
    fields([field('Goes to', d.destinationUrl), d.campaign && field('Campaign', d.campaign, { inline: true })]),
    context(DISCLOSURE_HINT),
  ]);
}

/** One tagged short link in a list: the product, linked, with its ASIN. */
export const shortLinkLine = (d: { productLabel: string; shortUrl: string; asin: string }): CardLine =>
  line(d.productLabel, { url: d.shortUrl, detail: d.asin });

/** The answer to a message with Amazon links: the poster's tagged short links, and how many could not be tagged. */
export function autolinkCard(d: { handle: string; lines: readonly CardLine[]; untagged: number }): Card {
  const many = d.lines.length > 1;
  const urls = d.lines.flatMap((l) => (l.url ? [l.url] : []));
  return card({ visibility: 'channel', tone: 'info' }, [
    urls.length > 0 && copy(urls.join('\n')),
    header(`@${d.handle}'s ${pluralWord(d.lines.length, 'link')}`),
    list(many ? 'Tagged short links' : 'Tagged short link', d.lines),
    context(`@${d.handle} may earn a commission from qualifying purchases.${d.untagged ? ` (${plural(d.untagged, 'link')} could not be tagged.)` : ''}`),
  ]);
}

/** What a pasted short link unfolds into: the product, its store, who shares it and the price we know, with its time. */
export function linkPreviewCard(p: {
  asin: string;
  marketplace: string;
  title: string | null;
  imageUrl?: string | null;
  price: { minor: number; currency: string; asOf: Date } | null;
  handle: string;
}): Card {
  const name = p.title ?? `Amazon product ${p.asin}`;
  return card({ visibility: 'channel' }, [
    header(name),
    fields([
      field('Store', marketLabel(p.marketplace), { inline: true }),
      field('Shared by', `@${p.handle}`, { inline: true }),
      p.price && field('Price', priceAsOf(p.price), { inline: true }),
    ]),
    p.imageUrl && thumbnail(p.imageUrl, name),
    context(`${p.asin} · @${p.handle} may earn a commission from qualifying purchases.`),
  ]);
}
