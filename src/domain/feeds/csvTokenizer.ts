// Streaming RFC 4180 tokenizer: text chunks in, records out, never more than one record held back.
// Hand-written because it is the hot loop of a million-row ingest and needs exact line numbers.
import { MAX_CELLS_PER_ROW, MAX_LINE_CHARS, countText, limitError } from './limits.ts';

export interface RawRecord {
  /** 1-based line (CSV) or row number (sheet) where the record starts. */
  line: number;
  cells: string[];
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
/** "No more of these in this text" for the cached quote/CR positions (-1 means "not looked yet"). */
const NONE = -2;
const orNone = (at: number) => (at === -1 ? NONE : at);
// Module-local copies: an imported binding is a property read through the module object on every use, and these are
// read once per record in the hot loop.
const MAX_LINE = MAX_LINE_CHARS;
const MAX_CELLS = MAX_CELLS_PER_ROW;

export class CsvTokenizer {
  private pending = '';
  private line = 1;
  private readonly delim: number;

  constructor(delimiter: string) {
    this.delim = delimiter.charCodeAt(0);
  }

  /** Parses every complete record in `chunk` (plus what was held back) into `out`. */
  push(chunk: string, out: RawRecord[]): void {
    const text = this.pending ? this.pending + chunk : chunk;
    const rest = this.parse(text, out, false);
    this.pending = rest === text.length ? '' : text.slice(rest);
    // A record longer than this is an unclosed quote or junk; refusing it keeps memory flat.
    if (this.pending.length > MAX_LINE) throw lineTooLong(this.line);
  }

  /** Flushes the last record, which may lack a trailing newline. */
  end(out: RawRecord[]): void {
    if (this.pending) this.parse(this.pending, out, true);
    this.pending = '';
  }

  /** Returns the index where an incomplete record starts (text.length when none is left). */
  private parse(text: string, out: RawRecord[], final: boolean): number {
    const n = text.length;
    const delim = this.delim;
    const delimStr = String.fromCharCode(delim);
    let i = 0;
    // Next quote / CR at or after i, found once and reused until passed: most lines have neither.
    let quoteAt = -1;
    let crAt = -1;
    while (i < n) {
      const recStart = i;
      const recLine = this.line;
      // Fast path: a whole line with no quote and no stray CR is just split on the delimiter (native, no char loop).
      const nl = text.indexOf('\n', i);
      if (nl !== -1) {
        if (quoteAt !== NONE && quoteAt < i) quoteAt = orNone(text.indexOf('"', i));
        if (crAt !== NONE && crAt < i) crAt = orNone(text.indexOf('\r', i));
        if ((quoteAt === NONE || quoteAt > nl) && (crAt === NONE || crAt >= nl - 1)) {
          const end = crAt === nl - 1 ? nl - 1 : nl;
          this.line++;
          i = nl + 1;
          if (end > recStart) {
            if (end - recStart > MAX_LINE) throw lineTooLong(recLine);
            const fields = text.slice(recStart, end).split(delimStr);
            if (fields.length > MAX_CELLS) throw tooManyCells(recLine, fields.length);
            out.push({ line: recLine, cells: fields });
          }
          continue;
        }
      }
      const cells: string[] = [];
      let complete = false;
      for (;;) {
        let value: string;
        if (text.charCodeAt(i) === QUOTE) {
          // Quoted field: doubled quotes are literal, delimiters and newlines inside are data.
          let j = i + 1;
          let seg = j;
          value = '';
          let closed = false;
          for (;;) {
            const q = text.indexOf('"', j);
            if (q === -1 || (q + 1 === n && !final)) break; // a quote at the chunk's end may be the first of a pair
            if (text.charCodeAt(q + 1) === QUOTE) {
              value += text.slice(seg, q + 1);
              j = q + 2;
              seg = j;
              continue;
            }
            value += text.slice(seg, q);
            this.countNewlines(text, i, q);
            i = q + 1;
            closed = true;
            break;
          }
          if (!closed) {
            if (!final) break;
            // Unclosed quote at end of file: take the rest as the field rather than lose the row.
            value += text.slice(seg);
            this.countNewlines(text, i, n);
            i = n;
          }
          // Stray text after a closing quote (`"a"b`): keep it, as spreadsheets do.
          const k = this.scanUnquoted(text, i);
          if (k > i) {
            value += text.slice(i, k);
            i = k;
          }
        } else {
          const k = this.scanUnquoted(text, i);
          value = text.slice(i, k);
          i = k;
        }
        if (i >= n && !final) break;
        cells.push(value);
        if (cells.length > MAX_CELLS) throw tooManyCells(recLine, cells.length);
        if (i >= n) {
          complete = true;
          break;
        }
        const c = text.charCodeAt(i);
        if (c === delim) {
          i++;
          if (i >= n && !final) break;
          if (i >= n) {
            cells.push('');
            complete = true;
            break;
          }
          continue;
        }
        if (c === CR) {
          if (i + 1 >= n && !final) break; // the LF of a CRLF may be in the next chunk
          i += text.charCodeAt(i + 1) === LF ? 2 : 1;
        } else {
          i++; // LF
        }
        this.line++;
        complete = true;
        break;
      }
      if (!complete) {
        this.line = recLine;
        return recStart;
      }
      if (i - recStart > MAX_LINE) throw lineTooLong(recLine);
      // Blank lines are not records; they still count for line numbers.
      if (cells.length > 1 || cells[0] !== '') out.push({ line: recLine, cells });
    }
    return n;
  }

  private scanUnquoted(text: string, i: number): number {
    const n = text.length;
    const delim = this.delim;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === delim || c === LF || c === CR) break;
      i++;
    }
    return i;
  }

  private countNewlines(text: string, from: number, to: number): void {
    let p = text.indexOf('\n', from);
    while (p !== -1 && p < to) {
      this.line++;
      p = text.indexOf('\n', p + 1);
    }
  }
}

function lineTooLong(line: number): Error {
  return limitError(
    'A line is too long',
    `line ${countText(line)} runs past ${countText(MAX_LINE_CHARS)} characters (an unclosed quote?)`,
    `${countText(MAX_LINE_CHARS)} characters`,
  );
}

function tooManyCells(line: number, cells: number): Error {
  return limitError(
    'A line has too many cells',
    `line ${countText(line)} has ${cells > MAX_CELLS_PER_ROW + 1 ? countText(cells) : `over ${countText(MAX_CELLS_PER_ROW)}`}`,
    countText(MAX_CELLS_PER_ROW),
  );
}
