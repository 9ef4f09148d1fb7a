// Random access into a ZIP via its central directory (yauzl): entries stream one at a time, nothing is unpacked
// to disk or memory whole.
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { UserError } from '../../errors.ts';

export interface ZipArchive {
  /** Entry names in archive order (directories excluded). */
  names: string[];
  has(name: string): boolean;
  open(name: string): Promise<Readable>;
  /** Reads a small entry (workbook metadata) as UTF-8 text. */
  readText(name: string, maxBytes?: number): Promise<string>;
  close(): void;
}

export async function openZip(path: string): Promise<ZipArchive> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  } catch (err) {
    throw new UserError('invalid_input', `Not a readable ZIP archive: ${(err as Error).message}`);
  }
  const entries = new Map<string, yauzl.Entry>();
  try {
    // The three listeners go once the directory is read: the archive stays open for many entry reads, and nothing
    // may be left to pile up on it (Node warns past ten listeners per event).
    await new Promise<void>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry) => {
        if (!e.fileName.endsWith('/')) entries.set(e.fileName, e);
        zip.readEntry();
      };
      const done = (err?: Error) => {
        zip.off('entry', onEntry);
        zip.off('end', done);
        zip.off('error', done);
        if (err) reject(err);
        else resolve();
      };
      zip.on('entry', onEntry);
      zip.on('end', done);
      zip.on('error', done);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw new UserError('invalid_input', `Corrupt ZIP archive: ${(err as Error).message}`);
  }
  // A late error (a truncated entry) surfaces on the entry stream; this keeps it from crashing the process.
  zip.on('error', () => {});

  const entry = (name: string): yauzl.Entry => {
    const e = entries.get(name);
    if (!e) throw new UserError('invalid_input', `ZIP archive has no ${name}`);
    return e;
  };
  const open = (name: string) => zip.openReadStreamPromise(entry(name));

  return {
    names: [...entries.keys()],
    has: (name) => entries.has(name),
    open,
    async readText(name, maxBytes = 64 << 20) {
      const stream = await open(name);
      const parts: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          stream.destroy();
          throw new UserError('invalid_input', `${name} is larger than ${maxBytes} bytes`);
        }
        parts.push(chunk);
      }
      return Buffer.concat(parts).toString('utf8');
    },
    close: () => zip.close(),
  };
}
