// Plain-text tables for list commands: a header row, columns padded to their widest cell, two spaces apart.

/** Column widths count characters (code points); the last column is never padded, so lines carry no trailing blanks. */
export function formatTable(headers: string[], rows: string[][]): string {
  const width = (s: string) => [...s].length;
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** A list command's text: a table of the rows, or `none` when there are none. */
export function tableOrNone<R>(rows: readonly R[], none: string, headers: string[], cells: (row: R) => string[]): string {
  return rows.length === 0 ? none : formatTable(headers, rows.map(cells));
}

/** A calendar date (UTC) for tables; JSON keeps the full timestamp. */
export const day = (d: Date) => d.toISOString().slice(0, 10);

/** Long free text (product titles) cut for a table cell. */
export function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}
