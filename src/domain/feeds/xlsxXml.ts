// Just enough XML for SpreadsheetML, whose parts are machine-written and regular: split a stream at a closing tag
// so each block holds whole elements, find elements by plain index scans, and decode entities. A full SAX parser
// would cost more than the files need. Every scan here is linear in its text: no regular expression that could
// backtrack over a hostile block (`<c<c<c…` with no `>`), and nothing is kept that the caller did not ask for.
import type { Readable } from 'node:stream';
import { MAX_XML_ELEMENT_CHARS, countText, limitError } from './limits.ts';

/** Yields blocks of text that end just after a `closeTag`; the remainder (after the last one) comes last. */
export async function* streamXmlElements(stream: Readable, closeTag: string, part = 'sheet'): AsyncGenerator<string> {
  stream.setEncoding('utf8');
  let buffer = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      buffer += chunk;
      const end = buffer.lastIndexOf(closeTag);
      if (end === -1) {
        if (buffer.length > MAX_XML_ELEMENT_CHARS) {
          throw limitError(
            `An element of the ${part} XML is too long`,
            `over ${countText(buffer.length)} characters without ${closeTag}`,
            `${countText(MAX_XML_ELEMENT_CHARS)} characters`,
          );
        }
        continue;
      }
      const cut = end + closeTag.length;
      yield buffer.slice(0, cut);
      buffer = buffer.slice(cut);
    }
    if (buffer) yield buffer;
  } finally {
    stream.destroy();
  }
}

/** True when `c` ends a tag name: whitespace, `>` or `/`. */
function endsName(c: number): boolean {
  return c === 0x20 || c === 0x3e || c === 0x2f || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Calls `each(attrs, body)` for every `<tag …>body</tag>` and `<tag …/>` (body null) in `text`, in order. Elements
 * of the same name never nest in the parts read here. An element left open ends the scan (nothing after it can
 * close), so a hostile block costs one pass.
 */
export function forEachElement(text: string, tag: string, each: (attrs: string, body: string | null) => void): void {
  const open = `<${tag}`;
  const close = `</${tag}>`;
  let i = text.indexOf(open);
  while (i !== -1) {
    const nameEnd = i + open.length;
    if (nameEnd >= text.length) return;
    if (!endsName(text.charCodeAt(nameEnd))) {
      i = text.indexOf(open, nameEnd);
      continue;
    }
    const gt = text.indexOf('>', nameEnd);
    if (gt === -1) return;
    if (text.charCodeAt(gt - 1) === 0x2f) {
      each(text.slice(nameEnd, gt - 1), null);
      i = text.indexOf(open, gt + 1);
      continue;
    }
    const end = text.indexOf(close, gt + 1);
    if (end === -1) return;
    each(text.slice(nameEnd, gt), text.slice(gt + 1, end));
    i = text.indexOf(open, end + close.length);
  }
}

/** The body of the first `<tag>` element in `text` ('' when self-closed), or undefined when there is none. */
export function firstElementBody(text: string, tag: string): string | undefined {
  let found: string | undefined;
  const open = `<${tag}`;
  const close = `</${tag}>`;
  let i = text.indexOf(open);
  while (i !== -1 && found === undefined) {
    const nameEnd = i + open.length;
    if (nameEnd >= text.length) return undefined;
    if (!endsName(text.charCodeAt(nameEnd))) {
      i = text.indexOf(open, nameEnd);
      continue;
    }
    const gt = text.indexOf('>', nameEnd);
    if (gt === -1) return undefined;
    if (text.charCodeAt(gt - 1) === 0x2f) return '';
    const end = text.indexOf(close, gt + 1);
    if (end === -1) return undefined;
    found = text.slice(gt + 1, end);
  }
  return found;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,8}|#\d{1,8}|[a-z]{2,4});/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}

/** Text of an `<si>` or `<is>` body: the `<t>` runs, without phonetic (`<rPh>`) hints. */
export function richText(body: string): string {
  // The common case, one plain run: `<t>text</t>` or `<t xml:space="preserve">text</t>`.
  let plain = body;
  if (body.includes('<rPh')) {
    plain = '';
    forEachGap(body, 'rPh', (gap) => (plain += gap));
  }
  let text = '';
  forEachElement(plain, 't', (_attrs, t) => {
    if (t !== null) text += t;
  });
  return decodeXml(text);
}

/** The text outside every `<tag>…</tag>` element of `text`, piece by piece. */
function forEachGap(text: string, tag: string, each: (gap: string) => void): void {
  const open = `<${tag}`;
  const close = `</${tag}>`;
  let from = 0;
  let i = text.indexOf(open);
  while (i !== -1) {
    const end = text.indexOf(close, i);
    if (end === -1) break;
    each(text.slice(from, i));
    from = end + close.length;
    i = text.indexOf(open, from);
  }
  each(text.slice(from));
}
