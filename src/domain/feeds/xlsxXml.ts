// Just enough XML for SpreadsheetML, whose parts are machine-written and regular: split a stream at a closing tag
// so each block holds whole elements, and decode entities. A full SAX parser would cost more than the files need.
import type { Readable } from 'node:stream';
import { UserError } from '../../errors.ts';

/** Text between elements can't be this long in a sane sheet; bailing out keeps memory bounded on junk. */
const MAX_ELEMENT_CHARS = 32 << 20;

/** Yields blocks of text that end just after a `closeTag`; the remainder (after the last one) comes last. */
export async function* streamXmlElements(stream: Readable, closeTag: string): AsyncGenerator<string> {
  stream.setEncoding('utf8');
  let buffer = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      buffer += chunk;
      const end = buffer.lastIndexOf(closeTag);
      if (end === -1) {
        if (buffer.length > MAX_ELEMENT_CHARS) throw new UserError('invalid_input', `Malformed sheet XML: no ${closeTag} in ${MAX_ELEMENT_CHARS} characters`);
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

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}

/** Text of an `<si>` or `<is>` body: the `<t>` runs, without phonetic (`<rPh>`) hints. */
export function richText(body: string): string {
  const plain = body.includes('<rPh') ? body.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '') : body;
  let text = '';
  for (const m of plain.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)) text += m[1];
  return decodeXml(text);
}
