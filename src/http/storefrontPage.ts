// Server-rendered storefront page: small, mobile-first, no client JavaScript, every user string escaped.
import type { StorefrontView } from '../domain/storefronts.ts';
import { formatMoney } from '../domain/money.ts';
import { html, htmlSecurityHeaders, pageCsp, raw } from './html.ts';

export const DISCLOSURE = 'As an Amazon Associate I earn from qualifying purchases.';

const CSS = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f7f9;color:#1b1f24;overflow-wrap:anywhere}
a{color:inherit}header{background:#fff;border-bottom:1px solid #e3e6ea;padding:1.5rem 1rem;text-align:center}
.avatar{width:72px;height:72px;border-radius:50%;object-fit:cover;background:#ffd814;display:inline-grid;place-items:center;font-size:2rem;font-weight:700}
h1{font-size:1.5rem;margin:.5rem 0 0}.handle{color:#555;margin:0}.bio{max-width:40rem;margin:.5rem auto 0}
.disclosure{font-size:.85rem;color:#444;margin:.75rem auto 0;max-width:40rem}
nav{display:flex;gap:.5rem;overflow-x:auto;padding:.75rem 1rem;background:#fff;border-bottom:1px solid #e3e6ea;position:sticky;top:0}
nav a{white-space:nowrap;text-decoration:none;border:1px solid #ccd1d7;border-radius:999px;padding:.25rem .75rem;font-size:.9rem}
main{max-width:72rem;margin:0 auto;padding:1rem}section{margin-bottom:2rem}h2{font-size:1.2rem;margin:0 0 .75rem}
ul.grid{list-style:none;margin:0;padding:0;display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr))}
.card{background:#fff;border:1px solid #e3e6ea;border-radius:12px;padding:.75rem;display:flex;flex-direction:column;height:100%}
.card img,.card .ph{width:100%;aspect-ratio:1;object-fit:contain;border-radius:8px;background:#f0f2f4}
.card .ph{display:grid;place-items:center;color:#66707a;font-size:.8rem}
.card h3{font-size:.95rem;font-weight:600;margin:.5rem 0 .25rem;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.price{margin:0 0 .5rem;color:#0f1111}.card .buy{margin-top:auto;display:block;text-align:center;background:#ffd814;border-radius:999px;padding:.5rem;font-weight:600;text-decoration:none;color:#0f1111}
.card .buy:focus-visible,nav a:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.empty{text-align:center;color:#555;padding:3rem 1rem}footer{text-align:center;font-size:.85rem;color:#555;padding:2rem 1rem}
@media (min-width:48rem){ul.grid{grid-template-columns:repeat(auto-fill,minmax(13rem,1fr))}}`;

/** The page's headers: no script, its one <style> by hash, remote https images (products, avatar). */
export const STOREFRONT_HEADERS = htmlSecurityHeaders(pageCsp([CSS]));

export function renderStorefrontPage(view: StorefrontView, publicBaseUrl: string): string {
  const name = view.influencer.display_name;
  const pageUrl = `${publicBaseUrl}/s/${encodeURIComponent(view.influencer.handle)}`;
  const title = view.title ?? `${name}'s storefront`;
  const itemCount = view.lists.reduce((n, l) => n + l.items.length, 0);
  const description = view.description ?? view.influencer.bio ?? `${itemCount} product${itemCount === 1 ? '' : 's'} picked by ${name}.`;
  const image = view.influencer.avatar_url ?? view.lists.flatMap((l) => l.items).find((i) => i.imageUrl)?.imageUrl ?? null;
  const anchor = (i: number) => `list-${i + 1}`;

  return `<!doctype html>\n${html`<html lang="en"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
<link rel="canonical" href="${pageUrl}">
<meta property="og:type" content="website"><meta property="og:title" content="${title}"><meta property="og:description" content="${description}"><meta property="og:url" content="${pageUrl}">
${image ? html`<meta property="og:image" content="${image}"><meta name="twitter:image" content="${image}">` : ''}
<meta name="twitter:card" content="${image ? 'summary_large_image' : 'summary'}"><meta name="twitter:title" content="${title}"><meta name="twitter:description" content="${description}">
<style>${raw(CSS)}</style>
</head><body>
<header>
${view.influencer.avatar_url ? html`<img class="avatar" src="${view.influencer.avatar_url}" alt="" width="72" height="72">` : html`<span class="avatar" aria-hidden="true">${[...name][0]?.toUpperCase() ?? '?'}</span>`}
<h1>${title}</h1>
<p class="handle">@${view.influencer.handle}</p>
${view.influencer.bio ? html`<p class="bio">${view.influencer.bio}</p>` : ''}
<p class="disclosure">${DISCLOSURE}</p>
</header>
${view.lists.length > 1 ? html`<nav aria-label="Lists">${view.lists.map((l, i) => html`<a href="#${anchor(i)}">${l.name}</a>`)}</nav>` : ''}
<main>
${view.lists.length === 0 ? html`<p class="empty">${name} has not added any products yet.</p>` : ''}
${view.lists.map(
  (list, i) => html`<section id="${anchor(i)}" aria-labelledby="${anchor(i)}-h"><h2 id="${anchor(i)}-h">${list.name}</h2>
<ul class="grid">${list.items.map((item) => {
    const label = item.title ?? `Amazon product ${item.asin}`;
    // The button's accessible name names the product and starts with its visible words (WCAG 2.5.3, label in name),
    // so a voice-control user saying "View on Amazon" still reaches it.
    return html`<li><article class="card">
${item.imageUrl ? html`<img src="${item.imageUrl}" alt="" loading="lazy" width="200" height="200">` : html`<div class="ph" aria-hidden="true">${item.asin}</div>`}
<h3>${label}</h3>
${item.priceMinor !== null && item.currency ? html`<p class="price">${formatMoney(item.priceMinor, item.currency)}</p>` : ''}
<a class="buy" href="/l/${item.linkCode}" rel="sponsored nofollow" aria-label="${`View on Amazon: ${label}`}">View on Amazon</a>
</article></li>`;
  })}</ul></section>`,
)}
</main>
<footer><p>${DISCLOSURE}</p><p>Prices and availability are shown on Amazon at the time of purchase.</p></footer>
</body></html>`.html}`;
}
