// What kind of file this is, from its first bytes rather than its name: uploads arrive as `report (3).xlsx`,
// `download`, or a CSV someone renamed.
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UserError } from '../../errors.ts';

export type Container = 'zip' | 'jsonl' | 'delimited';

export const HEAD_BYTES = 64 * 1024;

export async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The first HEAD_BYTES of a stream (which is then discarded). */
export async function readStreamHead(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= HEAD_BYTES) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
}

const startsWith = (head: Buffer, bytes: number[]) => bytes.every((b, i) => head[i] === b);

export function sniffContainer(head: Buffer): Container {
  if (head.length === 0) throw new UserError('invalid_input', 'The file is empty');
  // Local file header, or the end record of an empty archive.
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  return sniffText(head);
}

/** A text report: JSON lines when the first non-blank character is `{`, otherwise CSV/TSV. */
export function sniffText(head: Buffer): Container {
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0])) {
    throw new UserError('invalid_input', 'Excel 97-2003 (.xls) workbooks are not supported: download the report as XLSX or CSV');
  }
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    throw new UserError('invalid_input', 'The file is UTF-16 text: save it as UTF-8 CSV');
  }
  if (startsWith(head, [0x1f, 0x8b])) throw new UserError('invalid_input', 'Gzip files are not supported: upload the CSV, a ZIP or the XLSX');
  let text: string;
  try {
    // stream: true tolerates a character cut in half at the end of the head.
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    throw new UserError('invalid_input', 'The file is neither a report workbook, a ZIP, nor UTF-8 text');
  }
  text = text.replace(/^\uFEFF/, '');
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) control++;
  }
  if (control > 0 && control * 100 > text.length) throw new UserError('invalid_input', 'The file looks binary, not a report');
  const first = text.trimStart()[0];
  if (first === undefined) throw new UserError('invalid_input', 'The file is empty');
  return first === '{' ? 'jsonl' : 'delimited';
}
