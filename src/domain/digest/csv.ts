// CSV per RFC 4180 (CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled),
// safe to open in a spreadsheet: a text cell that starts with = + - @ (or a tab or carriage return, which
// some spreadsheets skip before reading a formula) gets a leading single quote so it is never run as a
// formula. Plain numbers we write ourselves ("-2.50", "12") stay numbers.
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

export type CsvValue = string | number | null | undefined;

/** One cell, neutralised against formula injection and quoted when it must be. */
export function csvCell(value: CsvValue): string {
  let s = value === null || value === undefined ? '' : typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows (the first usually the header) → CSV text, every record ended by CRLF. */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',') + '\r\n').join('');
}
