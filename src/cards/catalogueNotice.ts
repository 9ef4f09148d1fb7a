// The link-health notice: one message per catalogue run telling an influencer which of their storefront products
// Amazon stopped selling (src/domain/catalogue/linkHealth.ts claims the news; this says it).
import type { HealthNews } from '../domain/catalogue/linkHealth.ts';
import { card, context, header, line, links, linkButton, list, text, type Card } from './card.ts';
import { plural } from './text.ts';

/** Products listed in the message; the rest are "and N more" (the storefront page marks them all). */
export const MAX_NOTICE_PRODUCTS = 20;

export const HEALTH_WORDS = { out_of_stock: 'Out of stock', unavailable: 'Currently unavailable' } as const;

export function unavailableProductsCard(news: HealthNews, storefrontUrl: string): Card {
  const n = news.products.length;
  return card({ visibility: 'channel', tone: 'warning' }, [
    header(n === 1 ? `A product on @${news.handle} is no longer available` : `${n} products on @${news.handle} are no longer available`),
    text(
      `Amazon no longer sells ${n === 1 ? 'this product' : 'these products'} right now. Followers see it marked on your storefront; its short link still works.`,
    ),
    list(
      plural(n, 'product'),
      news.products.slice(0, MAX_NOTICE_PRODUCTS).map((p) => line(p.title ?? `Amazon product ${p.asin}`, { detail: `${p.asin} · ${HEALTH_WORDS[p.health]}` })),
      { more: Math.max(0, n - MAX_NOTICE_PRODUCTS) },
    ),
    links([linkButton('Open storefront', storefrontUrl)]),
    context('Swap it for another product with /storefront add, or take it off with /storefront remove <ASIN>.'),
  ]);
}
