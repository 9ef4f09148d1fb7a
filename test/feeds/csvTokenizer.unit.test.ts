// RFC 4180 tokenizing must not depend on where the stream happens to cut its chunks.
import { describe, expect, it } from 'vitest';
import { CsvTokenizer, type RawRecord } from '../../src/domain/feeds/csvTokenizer.ts';
import { sniffDelimiter } from '../../src/domain/feeds/delimitedRecords.ts';

function tokenize(text: string, delimiter = ',', chunk = text.length || 1): RawRecord[] {
  const t = new CsvTokenizer(delimiter);
  const out: RawRecord[] = [];
  for (let i = 0; i < text.length; i += chunk) t.push(text.slice(i, i + chunk), out);
  t.end(out);
  return out;
}

const SAMPLE =
  'a,b,c\r\n' +
  '"quoted, comma","doubled ""quote""",plain\r\n' +
  '"multi\nline\r\nfield",,x\n' +
  '\n' +
  'trailing,empty,\n' +
  '"",  spaced  ,"a""b"\r' +
  'lone-cr,second\n' +
  'last,no,newline';

const EXPECTED: RawRecord[] = [
  { line: 1, cells: ['a', 'b', 'c'] },
  { line: 2, cells: ['quoted, comma', 'doubled "quote"', 'plain'] },
  { line: 3, cells: ['multi\nline\r\nfield', '', 'x'] },
  { line: 7, cells: ['trailing', 'empty', ''] },
  { line: 8, cells: ['', '  spaced  ', 'a"b'] },
  // A lone CR (old Mac line end) ends a record and counts as a line.
  { line: 9, cells: ['lone-cr', 'second'] },
  { line: 10, cells: ['last', 'no', 'newline'] },
];

describe('when CSV text is tokenized', () => {
  it('then quotes, doubled quotes, embedded newlines, CRLF and a missing final newline are handled', () => {
    expect(tokenize(SAMPLE)).toEqual(EXPECTED);
  });

  it('then every chunk size gives the same records and line numbers', () => {
    for (let chunk = 1; chunk <= 12; chunk++) expect(tokenize(SAMPLE, ',', chunk), `chunk ${chunk}`).toEqual(EXPECTED);
  });

  it('then a tab delimiter leaves commas as data', () => {
    expect(tokenize('a,b\t"c\td"\n', '\t', 3)).toEqual([{ line: 1, cells: ['a,b', 'c\td'] }]);
  });

  it('then an unclosed quote at end of file keeps the rest as the field', () => {
    expect(tokenize('a,"open\nrest', ',', 4)).toEqual([{ line: 1, cells: ['a', 'open\nrest'] }]);
  });

  it('then text after a closing quote is kept, as spreadsheets do', () => {
    expect(tokenize('"a"b,c\n')).toEqual([{ line: 1, cells: ['ab', 'c'] }]);
  });
});

describe('when the delimiter is sniffed from the header line', () => {
  it('then the title line is skipped and the most frequent delimiter outside quotes wins', () => {
    expect(sniffDelimiter('Fee-Orders reports from 03-07-2021 to 04-05-2021\nCategory\tName\tPrice($)\n')).toBe('\t');
    expect(sniffDelimiter('"Fee-Orders reports from 03-07-2021 to 04-05-2021",,\nCategory,Name,Price\n')).toBe(',');
    expect(sniffDelimiter('\uFEFF"a;b,c";x;y;z\n')).toBe(';');
    expect(sniffDelimiter('Category|Name|Price\n')).toBe('|');
  });
});
