// CSV/TSV bytes → batches of records, one batch per chunk read, so memory stays flat however long the file.
import type { Readable } from 'node:stream';
import { CsvTokenizer, type RawRecord } from './csvTokenizer.ts';
import { parseReportTitle } from './reportTitle.ts';

export async function* delimitedRecords(stream: Readable, delimiter: string): AsyncGenerator<RawRecord[]> {
  stream.setEncoding('utf8');
  const tokenizer = new CsvTokenizer(delimiter);
  let first = true;
  try {
    for await (let chunk of stream as AsyncIterable<string>) {
      if (first) {
        chunk = chunk.replace(/^\uFEFF/, '');
        first = false;
      }
      const out: RawRecord[] = [];
      tokenizer.push(chunk, out);
      if (out.length) yield out;
    }
    const out: RawRecord[] = [];
    tokenizer.end(out);
    if (out.length) yield out;
  } finally {
    stream.destroy();
  }
}

const CANDIDATES = ['\t', ',', ';', '|'];
const SNIFF_LINE_CHARS = 4096;

/**
 * The delimiter is whichever candidate the header line uses most, counted outside quotes. The header is the first
 * non-blank line, or the second when the first is a report title, or a line with no candidate at all (a title we
 * cannot read, such as a translated one: `;`-separated files would otherwise be split on commas).
 */
export function sniffDelimiter(head: string): string {
  // A header line is well under a kilobyte; only the start of a longer one is looked at (the patterns below would
  // take quadratic time over a hostile 64 KB line).
  const lines = head
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(0, SNIFF_LINE_CHARS));
  let at = 0;
  if (lines.length > 1 && (parseReportTitle(unquote(lines[0]!)) || !delimiterCounts(lines[0]!).some(([, n]) => n > 0))) at = 1;
  let best = ',';
  let bestCount = 0;
  for (const [d, count] of delimiterCounts(lines[at] ?? '')) {
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

function delimiterCounts(line: string): Array<[string, number]> {
  const outside = line.replace(/"(?:[^"]|"")*"/g, '');
  return CANDIDATES.map((d) => [d, outside.split(d).length - 1]);
}

/** A title line may be quoted or padded with empty cells (`"Fee-Orders reports from …",,,`). */
function unquote(line: string): string {
  return line.replace(/[,;\t|]+\s*$/, '').replace(/^"(.*)"$/, '$1');
}
