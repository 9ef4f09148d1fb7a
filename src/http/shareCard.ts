// The storefront's share card (GET /s/:handle/card.png, og:image and twitter:image): 1200×630, text we draw
// ourselves (the storefront's name, an avatar initial, the product count) in a bundled DejaVu Sans subset, so it
// looks the same everywhere and holds no Amazon image (Amazon's images may only be linked, never stored or copied).
//
// The font (src/http/fonts/README.md) draws Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Georgian and a few
// more scripts, but no CJK, Hangul, kana, Indic, Thai or emoji. A name is drawn whole or not at all: a title with a
// character the font lacks gives way to the @handle (never "?" boxes), emoji are left out, and a right-to-left
// title is laid out right to left (resvg always starts an LTR paragraph, so the line is wrapped in RLE … PDF).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { escapeHtml } from './html.ts';

export const SHARE_CARD_WIDTH = 1200;
export const SHARE_CARD_HEIGHT = 630;
const FONT_FILE = fileURLToPath(new URL('./fonts/DejaVuSans-card.ttf', import.meta.url));
const WIDTHS_FILE = new URL('./fonts/DejaVuSans-card.widths.json', import.meta.url);
const FONT_FAMILY = 'DejaVu Sans';
/** Bumped when the drawing changes, so caches holding the old picture revalidate. */
const DESIGN_VERSION = '2';

let advances: Record<string, number> | undefined;
const advanceOf = (ch: string) => (advances ??= (JSON.parse(readFileSync(WIDTHS_FILE, 'utf8')) as { advance: Record<string, number> }).advance)[ch];

/** Every character has a glyph in the font. */
const fontDraws = (s: string) => [...s].every((ch) => advanceOf(ch) !== undefined);
const widthOf = (s: string, size: number) => [...s].reduce((w, ch) => w + (advanceOf(ch) ?? 0.6), 0) * size;

// An emoji with what follows it: skin tone, variation selector, tags (subdivision flags), ZWJ-joined emoji; a
// keycap (1️⃣); a flag (two regional indicators); a stray skin tone or keycap mark.
const EMOJI =
  /[#*0-9]\uFE0F?\u20E3|\p{Regional_Indicator}{1,2}|\p{Emoji_Modifier}|\u20E3|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier}|[\u{E0020}-\u{E007F}])*(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*)*/gu;
const RTL_LETTER = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Nko}]/u;
const RLE = '\u202B';
const PDF = '\u202C';

/**
 * A name as the card can draw it: emoji left out (a symbol the font has, such as ™ or ‼, stays), invisible
 * formatting characters the font has no glyph for and bidi controls dropped (the card sets the direction itself),
 * composed (NFC) and on one line. Characters of scripts the font lacks are kept: `fontDraws` tells.
 */
function cardText(s: string): string {
  return s
    .normalize('NFC')
    .replace(EMOJI, (m) => {
      const ch = [...m.replace(/\uFE0F$/, '')];
      return ch.length === 1 && !/\p{Emoji_Presentation}/u.test(ch[0]!) && advanceOf(ch[0]!) !== undefined ? ch[0]! : ' ';
    })
    .replace(/\p{Bidi_Control}/gu, '')
    .replace(/[\p{Default_Ignorable_Code_Point}\p{Cc}]/gu, (ch) => (/\s/.test(ch) ? ' ' : advanceOf(ch) === undefined ? '' : ch))
    .replace(/\s+/g, ' ')
    .trim();
}

/** Its first letter is Hebrew, Arabic or N'Ko: the line reads right to left. */
const isRtl = (s: string) => RTL_LETTER.test(s.match(/\p{L}/u)?.[0] ?? '');

const graphemes = (s: string) => [...new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

/** Cuts a text to fit `max` pixels at `size`, with "…" (whole letters: a base is never parted from its marks). */
function fitLine(s: string, size: number, max: number): string {
  if (widthOf(s, size) <= max) return s;
  const chars = graphemes(s);
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
  // A title the font cannot draw whole (Japanese, Korean, Hindi…) gives way to the handle, which is ASCII; the
  // handle's own line is then left out rather than saying it twice.
  const named = cardText(d.title);
  const titleDrawn = named !== '' && fontDraws(named);
  const title = titleDrawn ? named : `@${d.handle}`;
  const rtl = titleDrawn && isRtl(title);
  // The avatar's initial: the display name's first letter, upper-cased where the font has the capital (Georgian
  // upper-cases to Mtavruli, which it has not), else the handle's.
  const firstLetter = graphemes(cardText(d.displayName))[0] ?? '';
  const initial = [firstLetter.toUpperCase(), firstLetter, d.handle.slice(0, 1).toUpperCase()].find((l) => l !== '' && fontDraws(l)) ?? '@';
  const left = 96;
  const textLeft = left + 200 + 56;
  const textRight = SHARE_CARD_WIDTH - 80;
  const maxText = textRight - textLeft;
  let size = 64;
  let lines = titleLines(title, size, maxText);
  if (lines.length > 1) {
    size = 56;
    lines = titleLines(title, size, maxText);
  }
  const count = `${d.productCount.toLocaleString('en-US')} ${d.productCount === 1 ? 'product' : 'products'} picked by hand`;
  const below = [...(titleDrawn ? [{ text: fitLine(`@${d.handle}`, 36, maxText), fill: '#4a545e' }] : []), { text: count, fill: '#0f1111' }];
  const titleTop = lines.length === 1 ? 290 : 250;
  const lastTitle = titleTop + (lines.length - 1) * (size + 12);
  const e = escapeHtml;
  // A right-to-left title is embedded right to left (RLE … PDF: the order of its words, and of neutral marks such as
  // a final "!") and set against the right edge, where such a line starts. No direction="rtl": resvg ignores it, and
  // a renderer that honours it would turn text-anchor="end" into the left edge.
  const titleAt = rtl ? `x="${textRight}" text-anchor="end"` : `x="${textLeft}"`;
  const titleText = (l: string) => e(rtl ? `${RLE}${l}${PDF}` : l);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SHARE_CARD_WIDTH}" height="${SHARE_CARD_HEIGHT}" viewBox="0 0 ${SHARE_CARD_WIDTH} ${SHARE_CARD_HEIGHT}">
<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#fff7d1"/><stop offset="1" stop-color="#f6f7f9"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#bg)"/>
<rect x="0" y="${SHARE_CARD_HEIGHT - 24}" width="${SHARE_CARD_WIDTH}" height="24" fill="#ffd814"/>
<circle cx="${left + 100}" cy="285" r="100" fill="#232f3e"/>
<text x="${left + 100}" y="285" dy="0.35em" text-anchor="middle" font-family="${FONT_FAMILY}" font-size="110" fill="#ffd814">${e(initial)}</text>
${lines.map((l, i) => `<text ${titleAt} y="${titleTop + i * (size + 12)}" font-family="${FONT_FAMILY}" font-size="${size}" fill="#1b1f24">${titleText(l)}</text>`).join('\n')}
${below.map((b, i) => `<text x="${textLeft}" y="${lastTitle + 64 + i * 60}" font-family="${FONT_FAMILY}" font-size="36" fill="${b.fill}">${e(b.text)}</text>`).join('\n')}
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
