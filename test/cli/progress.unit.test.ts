// The ingest progress line: when it is shown, what it says, how often it is redrawn; and the list commands' tables.
import { describe, expect, it } from 'vitest';
import { formatIngestProgress, parseIngestProgress, progressLine, wantsProgress } from '../../src/cli/progress.ts';
import { cut, formatTable } from '../../src/cli/table.ts';

function fakeStream(isTTY: boolean | undefined) {
  const writes: string[] = [];
  return { isTTY, writes, write: (s: string) => writes.push(s) };
}

describe('when the CLI decides whether to show ingest progress', () => {
  it('then only a terminal on stderr gets it, and never with --json', () => {
    expect(wantsProgress(fakeStream(true), { json: false })).toBe(true);
    expect(wantsProgress(fakeStream(true), { json: true })).toBe(false);
    expect(wantsProgress(fakeStream(false), { json: false })).toBe(false);
    expect(wantsProgress(fakeStream(undefined), { json: false })).toBe(false);
    expect(wantsProgress(undefined, { json: false })).toBe(false);
  });
});

describe('when progress is formatted', () => {
  it('then it says what is happening and how many rows were read', () => {
    expect(formatIngestProgress({ phase: 'queued' })).toBe('Waiting for an ingest worker…');
    expect(formatIngestProgress({ phase: 'reading', rows: 0 })).toBe('Reading report…');
    expect(formatIngestProgress({ phase: 'reading', rows: 1 })).toBe('Reading report… 1 row');
    expect(formatIngestProgress({ phase: 'reading', rows: 1234567 })).toBe('Reading report… 1,234,567 rows');
    expect(formatIngestProgress({ phase: 'writing', rows: 3016 })).toBe('Writing ledger… 3,016 rows read');
  });

  it("then a job's stored progress is read back only when it has the ingest's shape", () => {
    expect(parseIngestProgress({ phase: 'writing', rows: 12 })).toEqual({ phase: 'writing', rows: 12 });
    expect(parseIngestProgress(0)).toBeUndefined();
    expect(parseIngestProgress(null)).toBeUndefined();
    expect(parseIngestProgress({ phase: 'sleeping', rows: 1 })).toBeUndefined();
    expect(parseIngestProgress({ phase: 'reading', rows: '12' })).toBeUndefined();
    expect(parseIngestProgress({ phase: 'reading', rows: -1 })).toBeUndefined();
  });
});

describe('when the progress line is drawn', () => {
  it('then it is rewritten in place at most every 250 ms, a new phase at once, and wiped at the end', () => {
    const stream = fakeStream(true);
    let t = 1000;
    const line = progressLine(stream, { now: () => t });
    line.show('Reading report… 10 rows');
    t += 100;
    line.show('Reading report… 20 rows'); // too soon: dropped
    t += 200;
    line.show('Reading report… 30 rows');
    line.show('Reading report… 30 rows'); // the same text: nothing to redraw
    t += 10;
    line.show('Writing ledger… 40 rows read', { force: true });
    line.clear();
    line.clear(); // nothing left to wipe
    expect(stream.writes).toEqual(['\rReading report… 10 rows\x1b[K', '\rReading report… 30 rows\x1b[K', '\rWriting ledger… 40 rows read\x1b[K', '\r\x1b[K']);
  });

  it('then a line that never showed anything wipes nothing', () => {
    const stream = fakeStream(true);
    progressLine(stream).clear();
    expect(stream.writes).toEqual([]);
  });
});

describe('when a list is printed as a table', () => {
  it('then columns line up under their headers and lines carry no trailing blanks', () => {
    expect(
      formatTable(
        ['ID', 'NAME', 'NOTE'],
        [
          ['1', 'Zoë', ''],
          ['12', 'Al', 'x'],
        ],
      ),
    ).toBe(['ID  NAME  NOTE', '1   Zoë', '12  Al    x'].join('\n'));
  });

  it('then long text is cut with an ellipsis', () => {
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('abcd', 4)).toBe('abcd');
  });
});
