// Server-rendered storefront page: mobile-first, a grid that uses a desktop's width, no client JavaScript, every
// user string escaped. It shows what the catalogue resolved (src/domain/catalogue/resolve.ts) and never asks Amazon.
import type { CatalogueProduct, CatalogueStorefront } from '../domain/catalogue/resolve.ts';
import { isUnbuyable } from '../domain/catalogue/linkHealth.ts';
import { formatMoney } from '../domain/common/money.ts';
import { formatAsOf } from '../cards/text.ts';
import { html, htmlSecurityHeaders, pageCsp, raw, type RawHtml } from './html.ts';
import { SHARE_CARD_HEIGHT, SHARE_CARD_WIDTH } from './shareCard.ts';
import { storefrontPageUrl } from '../domain/links/links.ts';

export const DISCLOSURE = 'As an Amazon Associate I earn from qualifying purchases.';
export const UNAVAILABLE_WORDS = { out_of_stock: 'Temporarily out of stock', unavailable: 'Currently unavailable' } as const;
const BADGE_WORDS = { out_of_stock: 'Out of stock', unavailable: 'Unavailable' } as const;

const CSS = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f7f9;color:#1b1f24;overflow-wrap:anywhere}
a{color:inherit}header{background:#fff;border-bottom:1px solid #e3e6ea;padding:1.5rem 1rem;text-align:center}
.avatar{width:88px;height:88px;border-radius:50%;object-fit:cover;background:#ffd814;display:inline-grid;place-items:center;font-size:2.25rem;font-weight:700;color:#0f1111}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 0}.handle{color:#555;margin:0}.bio{max-width:40rem;margin:.5rem auto 0}
.disclosure{font-size:.85rem;color:#444;margin:.75rem auto 0;max-width:40rem}
nav{display:flex;gap:.5rem;overflow-x:auto;padding:.75rem 1rem;background:#fff;border-bottom:1px solid #e3e6ea;position:sticky;top:0;z-index:1}
nav a:first-child{margin-left:auto}nav a:last-child{margin-right:auto}
nav a{white-space:nowrap;text-decoration:none;border:1px solid #ccd1d7;border-radius:999px;padding:.25rem .75rem;font-size:.9rem}
main{max-width:80rem;margin:0 auto;padding:1rem}section{margin-bottom:2rem}h2{font-size:1.2rem;margin:0 0 .75rem}
ul.grid{list-style:none;margin:0;padding:0;display:grid;gap:.75rem;grid-template-columns:repeat(2,minmax(0,1fr))}
.card{background:#fff;border:1px solid #e3e6ea;border-radius:12px;padding:.75rem;display:flex;flex-direction:column;height:100%}
.media{position:relative;aspect-ratio:1;border-radius:8px;background:#f0f2f4;overflow:hidden}
.media img{display:block;width:100%;height:100%;object-fit:contain}
.ph{height:100%;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:.25rem;padding:.75rem;text-align:center;color:#4a545e;background:linear-gradient(135deg,#fff7d1,#eef1f4)}
.ph .mono{width:3rem;height:3rem;border-radius:50%;background:#fff;display:grid;place-items:center;font-size:1.4rem;font-weight:700;color:#232f3e}
.ph .name{font-size:.85rem;font-weight:600;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.asin{font-size:.7rem;letter-spacing:.04em;color:#66707a}
.badge{position:absolute;left:.4rem;top:.4rem;max-width:calc(100% - .8rem);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;background:#b12704;color:#fff;font-size:.7rem;font-weight:600;border-radius:999px;padding:.1rem .5rem}
.card.gone .media img{opacity:.45}
.card h3{font-size:.95rem;line-height:1.35;font-weight:600;margin:.5rem 0 .25rem;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.note{margin:0 0 .5rem;font-size:.875rem;background:#fffbe6;border-left:3px solid #ffd814;border-radius:4px;padding:.35rem .5rem}
.note b{display:block;font-size:.75rem;color:#5c4a00}
.price{margin:0;color:#0f1111;font-weight:700;font-size:1.05rem}.asof,.avail{margin:0;font-size:.75rem;color:#555}
.avail.gone{color:#b12704;font-weight:600;font-size:.85rem}
details.disclaimer{font-size:.75rem;color:#555;margin:.1rem 0 0}details.disclaimer summary{cursor:pointer}
.card .buy{margin-top:auto;display:block;text-align:center;background:#ffd814;border-radius:999px;padding:.55rem .25rem;font-size:.9rem;font-weight:600;white-space:nowrap;text-decoration:none;color:#0f1111}
.card>:nth-last-child(2){margin-bottom:.5rem}
.card.gone .buy{background:#e3e6ea}
.card .buy:focus-visible,nav a:focus-visible,summary:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.empty{text-align:center;color:#555;padding:3rem 1rem}footer{text-align:center;font-size:.85rem;color:#555;padding:2rem 1rem}
@media (min-width:40rem){ul.grid{grid-template-columns:repeat(auto-fill,minmax(12rem,1fr))}main.w1{max-width:18rem}main.w2{max-width:32rem}main.w3{max-width:46rem}main.w4{max-width:61rem}}
@media (min-width:64rem){header{padding:2rem}ul.grid{gap:1rem;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr))}main{padding:1.5rem 2rem}main.w1{max-width:20rem}main.w2{max-width:37rem}main.w3{max-width:54rem}main.w4{max-width:71rem}}`;
/** A storefront whose longest list has fewer products than a wide screen has columns is narrowed (class w1–w4) and centred, rather than leaving empty columns on the right. */
const widthClass = (longest: number) => (longest >= 1 && longest <= 4 ? `w${longest}` : undefined);

/** The page's headers: no script, its one <style> by hash, remote https images (products, avatar). */
export const STOREFRONT_HEADERS = htmlSecurityHeaders(pageCsp([CSS]));

export interface StorefrontPageData extends CatalogueStorefront {
  title: string | null;
  description: string | null;
}

const initialOf = (s: string) => [...s.trim()][0]?.toUpperCase() ?? '?';

export function renderStorefrontPage(view: StorefrontPageData, publicBaseUrl: string): string {
  const { profile } = view;
  const name = profile.displayName;
  const pageUrl = storefrontPageUrl(publicBaseUrl, profile.handle);
  const title = view.title ?? `${name}'s storefront`;
  const itemCount = view.lists.reduce((n, l) => n + l.items.length, 0);
  const description = view.description ?? profile.bio ?? `${itemCount} product${itemCount === 1 ? '' : 's'} picked by ${name}.`;
  // The share card is ours (text we render), never an Amazon image.
  const shareImage = `${pageUrl}/card.png`;
  const anchor = (i: number) => `list-${i + 1}`;
  const firstName = name.split(/\s+/)[0] || name;
  const narrowed = widthClass(Math.max(0, ...view.lists.map((l) => l.items.length)));

  return `<!doctype html>\n${
    html`<html lang="en"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
<link rel="canonical" href="${pageUrl}">
<meta property="og:type" content="website"><meta property="og:title" content="${title}"><meta property="og:description" content="${description}"><meta property="og:url" content="${pageUrl}">
<meta property="og:image" content="${shareImage}"><meta property="og:image:type" content="image/png"><meta property="og:image:width" content="${SHARE_CARD_WIDTH}"><meta property="og:image:height" content="${SHARE_CARD_HEIGHT}"><meta property="og:image:alt" content="${title}">
<meta name="twitter:card" content="summary_large_image"><meta name="twitter:title" content="${title}"><meta name="twitter:description" content="${description}"><meta name="twitter:image" content="${shareImage}">
<style>${raw(CSS)}</style>
</head><body>
<header>
${profile.avatarUrl ? html`<img class="avatar" src="${profile.avatarUrl}" alt="" width="88" height="88">` : html`<span class="avatar" aria-hidden="true">${initialOf(name)}</span>`}
<h1>${title}</h1>
<p class="handle">@${profile.handle}</p>
${profile.bio ? html`<p class="bio">${profile.bio}</p>` : ''}
<p class="disclosure">${DISCLOSURE}</p>
</header>
${view.lists.length > 1 ? html`<nav aria-label="Lists">${view.lists.map((l, i) => html`<a href="#${anchor(i)}">${l.name}</a>`)}</nav>` : ''}
<main${narrowed ? html` class="${narrowed}"` : ''}>
${itemCount === 0 ? html`<p class="empty">${name} has not added any products yet.</p>` : ''}
${view.lists.map(
  (list, i) => html`<section id="${anchor(i)}" aria-labelledby="${anchor(i)}-h"><h2 id="${anchor(i)}-h">${list.name}</h2>
<ul class="grid">${list.items.map((item) => html`<li>${productCard(item, firstName)}</li>`)}</ul></section>`,
)}
</main>
<footer><p>${DISCLOSURE}</p><p>Prices and availability are shown on Amazon at the time of purchase.</p></footer>
</body></html>`.html
  }`;
}

function productCard(item: CatalogueProduct & { linkCode: string }, firstName: string): RawHtml {
  const title = item.title?.value;
  const label = title ?? `Amazon product ${item.asin}`;
  const gone = isUnbuyable(item.health) ? UNAVAILABLE_WORDS[item.health] : undefined;
  const media = item.imageUrl
    ? // Width and height give the box its size before the image arrives, so nothing below it jumps.
      html`<img src="${item.imageUrl.value}" alt="" loading="lazy" decoding="async" width="400" height="400">`
    : // No photo yet (or none allowed): a placeholder that still says what it is.
      html`<div class="ph" aria-hidden="true"><span class="mono">${title ? initialOf(title) : 'a'}</span><span class="name">${title ?? 'Amazon product'}</span><span class="asin">ASIN ${item.asin}</span></div>`;
  const price = item.price;
  // The button's accessible name names the product and starts with its visible words (WCAG 2.5.3, label in name),
  // so a voice-control user saying "View on Amazon" still reaches it.
  return html`<article class="${gone ? 'card gone' : 'card'}">
<div class="media">${media}${isUnbuyable(item.health) ? html`<span class="badge" aria-hidden="true">${BADGE_WORDS[item.health]}</span>` : ''}</div>
<h3>${label}</h3>
${item.note ? html`<p class="note"><b>${firstName}’s note</b>${item.note}</p>` : ''}
${gone ? html`<p class="avail gone">${gone}</p>` : item.availability ? html`<p class="avail">${item.availability}</p>` : ''}
${price && !gone ? html`<p class="price">${formatMoney(price.minor, price.currency)}</p><p class="asof">Price as of ${formatAsOf(price.asOf)}</p>${price.disclaimer ? html`<details class="disclaimer"><summary>Price details</summary>${price.disclaimer}</details>` : ''}` : ''}
<a class="buy" href="/l/${item.linkCode}" rel="sponsored nofollow" aria-label="${`View on Amazon: ${label}`}">View on Amazon</a>
</article>`;
}
