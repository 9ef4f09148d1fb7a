// The storefront's share card (GET /s/:handle/card.png, og:image and twitter:image): 1200×630, text we draw
// ourselves (the storefront's name, an avatar initial, the product count) in the bundled DejaVu Sans subset, so it
// looks the same everywhere and holds no Amazon image (Amazon's images may only be linked, never stored or copied).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { escapeHtml } from './html.ts';

export const SHARE_CARD_WIDTH = 1200;
export const SHARE_CARD_HEIGHT = 630;
// The digest chart's font (see src/domain/digest/fonts/README.md): Latin, punctuation and currency signs.
const FONT_FILE = fileURLToPath(new URL('../domain/digest/fonts/DejaVuSans-chart.ttf', import.meta.url));
const WIDTHS_FILE = new URL('../domain/digest/fonts/DejaVuSans-chart.widths.json', import.meta.url);
const FONT_FAMILY = 'DejaVu Sans';
/** Bumped when the drawing changes, so caches holding the old picture revalidate. */
const DESIGN_VERSION = '1';

let advances: Record<string, number> | undefined;
const advanceOf = (ch: string) => (advances ??= (JSON.parse(readFileSync(WIDTHS_FILE, 'utf8')) as { advance: Record<string, number> }).advance)[ch];

/** The font has no glyph for it: shown as "?" rather than an empty box. */
const drawable = (s: string) => [...s].map((ch) => (advanceOf(ch) === undefined ? '?' : ch)).join('');
const widthOf = (s: string, size: number) => [...s].reduce((w, ch) => w + (advanceOf(ch) ?? 0.6), 0) * size;

/** Cuts a text to fit `max` pixels at `size`, with "…". */
function fitLine(s: string, size: number, max: number): string {
  if (widthOf(s, size) <= max) return s;
  const chars = [...s];
  while (chars.length > 1 && widthOf(`${chars.join('').trimEnd()}…`, size) > max) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}

/** Up to two lines of the title, broken at spaces where possible, the second cut with "…". */
function titleLines(title: string, size: number, max: number): string[] {
  if (widthOf(title, size) <= max) return [title];
  const words = title.split(/\s+/);
  let first = '';
  for (const w of words) {
    const next = first ? `${first} ${w}` : w;
    if (widthOf(next, size) > max) break;
    first = next;
  }
  if (!first) return [fitLine(title, size, max)];
  return [first, fitLine(title.slice(first.length).trim(), size, max)];
}

export interface ShareCardData {
  title: string;
  handle: string;
  displayName: string;
  productCount: number;
}

export function shareCardSvg(d: ShareCardData): string {
  const title = drawable(d.title.replace(/\s+/g, ' ').trim());
  const initial = drawable([...d.displayName.trim()][0]?.toUpperCase() ?? '?');
  const left = 96;
  const textLeft = left + 200 + 56;
  const maxText = SHARE_CARD_WIDTH - textLeft - 80;
  let size = 64;
  let lines = titleLines(title, size, maxText);
  if (lines.length > 1) {
    size = 56;
    lines = titleLines(title, size, maxText);
  }
  const count = `${d.productCount.toLocaleString('en-US')} ${d.productCount === 1 ? 'product' : 'products'} picked by hand`;
  const handle = fitLine(drawable(`@${d.handle}`), 36, maxText);
  const titleTop = lines.length === 1 ? 290 : 250;
  const e = escapeHtml;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SHARE_CARD_WIDTH}" height="${SHARE_CARD_HEIGHT}" viewBox="0 0 ${SHARE_CARD_WIDTH} ${SHARE_CARD_HEIGHT}">
<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#fff7d1"/><stop offset="1" stop-color="#f6f7f9"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#bg)"/>
<rect x="0" y="${SHARE_CARD_HEIGHT - 24}" width="${SHARE_CARD_WIDTH}" height="24" fill="#ffd814"/>
<circle cx="${left + 100}" cy="285" r="100" fill="#232f3e"/>
<text x="${left + 100}" y="285" dy="0.35em" text-anchor="middle" font-family="${FONT_FAMILY}" font-size="110" fill="#ffd814">${e(initial)}</text>
${lines.map((l, i) => `<text x="${textLeft}" y="${titleTop + i * (size + 12)}" font-family="${FONT_FAMILY}" font-size="${size}" fill="#1b1f24">${e(l)}</text>`).join('\n')}
<text x="${textLeft}" y="${titleTop + (lines.length - 1) * (size + 12) + 64}" font-family="${FONT_FAMILY}" font-size="36" fill="#4a545e">${e(handle)}</text>
<text x="${textLeft}" y="${titleTop + (lines.length - 1) * (size + 12) + 124}" font-family="${FONT_FAMILY}" font-size="36" fill="#0f1111">${e(count)}</text>
</svg>`;
}

/** A strong validator of the picture: same data and design, same bytes. */
export function shareCardEtag(d: ShareCardData): string {
  return `"sc${DESIGN_VERSION}-${createHash('sha256')
    .update(JSON.stringify([d.title, d.handle, d.displayName, d.productCount]))
    .digest('base64url')
    .slice(0, 22)}"`;
}

// Rendering takes tens of milliseconds: the latest pictures are kept by ETag (a viral post asks for the same one).
const MAX_CACHED = 200;
const cache = new Map<string, Buffer>();

export function renderShareCard(d: ShareCardData): { png: Buffer; etag: string } {
  const etag = shareCardEtag(d);
  let png = cache.get(etag);
  if (!png) {
    const resvg = new Resvg(shareCardSvg(d), {
      font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
      fitTo: { mode: 'original' },
    });
    png = resvg.render().asPng();
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(etag, png);
  }
  return { png, etag };
}
