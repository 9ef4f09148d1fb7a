// The share card for storefronts named in other scripts: names the bundled font can draw (Cyrillic, Greek, Hebrew,
// Arabic, Armenian, Georgian, Vietnamese) are drawn in their own letters, never as "?"; a name it cannot draw
// (Japanese, Korean, Hindi) gives way to the @handle; emoji are left out; a right-to-left name reads right to left.
// No database: the card is drawn from the data alone. Set KEEP_SHARE_CARDS=1 to keep the pictures in the temporary
// directory for a person to look at.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderShareCard, shareCardSvg, type ShareCardData } from '../../src/http/shareCard.ts';

const card = (title: string, over: Partial<ShareCardData> = {}): ShareCardData => ({ title, handle: 'shop', displayName: title, productCount: 7, ...over });

/** The texts the SVG draws, in order, unescaped. */
function texts(svg: string): Array<{ text: string; size: number; anchor: string }> {
  return [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)].map((m) => ({
    text: m[2]!.replace(/&#39;/g, "'").replace(/&amp;/g, '&'),
    size: Number(/font-size="(\d+)"/.exec(m[1]!)![1]),
    anchor: /text-anchor="(\w+)"/.exec(m[1]!)?.[1] ?? 'start',
  }));
}
/** The big title line(s), without the bidi embedding marks around a right-to-left line. */
const titleOf = (svg: string) =>
  texts(svg)
    .filter((t) => t.size >= 56 && t.size < 110)
    .map((t) => t.text.replace(/[\u202B\u202C]/g, ''))
    .join(' ');

function png(d: ShareCardData, name: string): PNG {
  const { png: bytes } = renderShareCard(d);
  if (process.env.KEEP_SHARE_CARDS) writeFileSync(path.join(tmpdir(), `share-card-${name}.png`), bytes);
  return PNG.sync.read(bytes);
}

/** Dark (text) pixels in a box: x0 ≤ x < x1, y0 ≤ y < y1. */
function ink(p: PNG, [x0, y0, x1, y1]: [number, number, number, number]): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = (y * p.width + x) * 4;
      if (p.data[i]! + p.data[i + 1]! + p.data[i + 2]! < 3 * 110) n++;
    }
  return n;
}
/** The band the one-line title is drawn in (baseline 290, 64 px), right of the avatar. */
const TITLE_BAND: [number, number, number, number] = [330, 215, 1200, 312];
const samePixels = (a: PNG, b: PNG, [x0, y0, x1, y1]: [number, number, number, number]) => {
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = (y * a.width + x) * 4;
      if (a.data.readUInt32BE(i) !== b.data.readUInt32BE(i)) return false;
    }
  return true;
};

describe('when a storefront is named in a script the card font has', () => {
  const names: Array<[string, string, string]> = [
    ['Russian (Cyrillic)', 'Дарья Иванова', 'Д'],
    ['Greek', 'Νίκη Παπαδοπούλου', 'Ν'],
    ['Hebrew', 'שירה כהן', 'ש'],
    ['Arabic', 'محمد علي', 'م'],
    ['Armenian', 'Անի Պետրոսյան', 'Ա'],
    ['Georgian', 'ნინო ბერიძე', 'ნ'],
    ['Vietnamese', 'Nguyễn Thị Ánh', 'N'],
  ];

  it.each(names)('then a %s name is drawn in its own letters, not as question marks', (script, name, initial) => {
    const svg = shareCardSvg(card(name));
    expect(titleOf(svg)).toBe(name);
    expect(svg).not.toContain('?');
    // The avatar's initial is the name's first letter (Georgian keeps its own: the font has no Mtavruli capitals).
    expect(texts(svg).find((t) => t.size === 110)?.text).toBe(initial);
    // The glyphs really drew: the title band has ink, and differs from a card titled "????" of the same length.
    const file = script.split(' ')[0]!.toLowerCase();
    const drawn = png(card(name), file);
    const marks = png(card('?'.repeat([...name].length)), `${file}-marks`);
    expect(ink(drawn, TITLE_BAND)).toBeGreaterThan(1500);
    expect(samePixels(drawn, marks, TITLE_BAND)).toBe(false);
  });

  it('then a right-to-left name is set against the right edge and reads right to left (a final "!" at its left end)', () => {
    for (const name of ['שירה כהן', 'محمد علي']) {
      const svg = shareCardSvg(card(name));
      const title = texts(svg).find((t) => t.size === 64)!;
      expect(title.anchor).toBe('end');
      expect(title.text).toBe(`\u202B${name}\u202C`);
      // The handle and the count below stay left-aligned, as for any other name.
      expect(texts(svg).filter((t) => t.size === 36 && t.anchor === 'start')).toHaveLength(2);
    }
    const plain = png(card('שירה'), 'hebrew-plain');
    const exclaimed = png(card('שירה!', { displayName: 'שירה' }), 'hebrew-exclaimed');
    // Ink reaches the right edge of the text area (x = 1120) and not the avatar side.
    const rightmost = (p: PNG) => [...Array(1200).keys()].reverse().find((x) => ink(p, [x, 215, x + 1, 312]) > 0)!;
    expect(rightmost(plain)).toBeGreaterThan(1100);
    expect(rightmost(plain)).toBeLessThanOrEqual(1120);
    expect(ink(plain, [330, 215, 800, 312])).toBe(0);
    // Read right to left, the "!" ends the line on the left: the right end (the name's first letter) is unchanged,
    // and the ink starts further left.
    expect(samePixels(plain, exclaimed, [1040, 215, 1200, 312])).toBe(true);
    const leftmost = (p: PNG) => [...Array(1200).keys()].find((x) => x >= 330 && ink(p, [x, 215, x + 1, 312]) > 0)!;
    expect(leftmost(exclaimed)).toBeLessThan(leftmost(plain) - 10);
  });
});

describe('when a storefront is named in a script the card font lacks', () => {
  it.each([
    ['Japanese', 'さくらのおすすめ', 'さくら', 'sakura'],
    ['Korean', '김민지의 추천', '김민지', 'minji'],
    ['Hindi', 'प्रिया की पसंद', 'प्रिया', 'priya'],
    ['Chinese mixed with Latin', 'Li Wei 李伟', 'Li Wei 李伟', 'li-wei'],
  ])('then a %s title gives way to the @handle, said once, with the handle initial', (lang, title, displayName, handle) => {
    const svg = shareCardSvg({ title, handle, displayName, productCount: 12 });
    expect(titleOf(svg)).toBe(`@${handle}`);
    // Not said twice: the handle's own line is left out; the count stays.
    expect(texts(svg).filter((t) => t.text.includes(`@${handle}`))).toHaveLength(1);
    expect(texts(svg).map((t) => t.text)).toContain('12 products picked by hand');
    expect(svg).not.toContain('?');
    expect(svg).not.toMatch(/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}\p{Script=Hangul}\p{Script=Devanagari}]/u);
    const initial = texts(svg).find((t) => t.size === 110)!.text;
    expect(initial).toBe(lang.startsWith('Chinese') ? 'L' : handle[0]!.toUpperCase());
    expect(ink(png({ title, handle, displayName, productCount: 12 }, lang.split(' ')[0]!.toLowerCase()), TITLE_BAND)).toBeGreaterThan(1000);
  });
});

describe('when a storefront name has emoji in it', () => {
  it.each([
    ['Anna 🌸 Bell', 'Anna Bell'],
    ['❤️ Дарья ❤️', 'Дарья'],
    ['Chef 👩🏽‍🍳 Ánh', 'Chef Ánh'],
    ['Família 👨‍👩‍👧‍👦 Silva 🇧🇷', 'Família Silva'],
    ['Top 1️⃣0️⃣ picks', 'Top picks'],
    ['✨שירה✨', 'שירה'],
    ['Zoë’s Picks™ 🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'Zoë’s Picks™'],
  ])('then %j is drawn as %j: the emoji are left out, never shown as "?"', (title, shown) => {
    const svg = shareCardSvg(card(title));
    expect(titleOf(svg)).toBe(shown);
    expect(svg).not.toContain('?');
    expect(svg).not.toMatch(/\p{Extended_Pictographic}(?<![™©®])|\uFE0F|\u200D|\p{Regional_Indicator}/u);
  });

  it('then a name of emoji alone gives way to the @handle, and the initial skips a leading emoji', () => {
    expect(titleOf(shareCardSvg(card('🌸🌸🌸', { handle: 'blossom' })))).toBe('@blossom');
    expect(texts(shareCardSvg(card('Olga', { displayName: '🌸 olga' }))).find((t) => t.size === 110)!.text).toBe('O');
    expect(texts(shareCardSvg(card('🌸', { displayName: '🌸', handle: 'blossom' }))).find((t) => t.size === 110)!.text).toBe('B');
  });
});
