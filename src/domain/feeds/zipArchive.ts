// Random access into a ZIP via its central directory (yauzl): entries stream one at a time, nothing is unpacked
// to disk or memory whole. Headers can lie, so the caps in limits.ts are checked twice: against the sizes the
// central directory declares when the archive is opened, and against the bytes actually inflated while reading.
import { Transform, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import { UserError, isUserError } from '../../errors.ts';
import {
  MAX_ZIP_COMPRESSION_RATIO,
  MAX_ZIP_ENTRIES,
  MAX_ZIP_ENTRY_BYTES,
  MAX_ZIP_TOTAL_BYTES,
  MIN_RATIO_CHECK_BYTES,
  bytesText,
  countText,
  limitError,
  shortText,
} from './limits.ts';

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
    // Entry sizes are checked here (inflatedTooFar), with messages that name the limit, rather than by yauzl.
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: false });
  } catch (err) {
    throw new UserError('invalid_input', `Not a readable ZIP archive: ${(err as Error).message}`);
  }
  // The central directory says how many entries follow before any is read: a million-entry directory is refused
  // before it is walked.
  if (zip.entryCount > MAX_ZIP_ENTRIES) {
    zip.close();
    throw limitError('Too many entries in the ZIP archive', `it has ${countText(zip.entryCount)}`, countText(MAX_ZIP_ENTRIES));
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
  try {
    checkDeclaredSizes(entries);
  } catch (err) {
    zip.close();
    throw err;
  }
  // A late error (a truncated entry) surfaces on the entry stream; this keeps it from crashing the process.
  zip.on('error', () => {});

  const entry = (name: string): yauzl.Entry => {
    const e = entries.get(name);
    if (!e) throw new UserError('invalid_input', `ZIP archive has no ${name}`);
    return e;
  };
  // Bytes inflated by every read of this archive so far, for the total cap.
  let inflatedTotal = 0;
  const open = async (name: string): Promise<Readable> => {
    const e = entry(name);
    let raw: Readable;
    try {
      raw = await zip.openReadStreamPromise(e);
    } catch (err) {
      throw corrupt(name, err as Error);
    }
    let inflated = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        inflated += chunk.length;
        inflatedTotal += chunk.length;
        done(inflatedTooFar(name, e, inflated, inflatedTotal), chunk);
      },
      flush(done) {
        // Fewer bytes than declared: a truncated entry (zlib usually says so first).
        done(inflated < e.uncompressedSize ? corrupt(name, new Error(`it declares ${e.uncompressedSize} bytes and holds ${inflated}`)) : null);
      },
    });
    // A corrupt entry fails the reader with a UserError (the file is bad, a retry cannot help); a reader that stops
    // early (destroy) stops yauzl's inflate.
    raw.on('error', (err) => meter.destroy(isUserError(err) ? err : corrupt(name, err)));
    meter.on('close', () => {
      if (!raw.destroyed) raw.destroy();
    });
    raw.pipe(meter);
    return meter;
  };

  return {
    names: [...entries.keys()],
    has: (name) => entries.has(name),
    open,
    async readText(name, maxBytes = 64 << 20) {
      const stream = await open(name);
      const parts: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxBytes) throw new UserError('invalid_input', `${shortText(name)} is larger than ${bytesText(maxBytes)}`);
          parts.push(chunk);
        }
      } finally {
        stream.destroy();
      }
      return Buffer.concat(parts).toString('utf8');
    },
    close: () => zip.close(),
  };
}

/** What the central directory claims, judged before anything is inflated. */
function checkDeclaredSizes(entries: ReadonlyMap<string, yauzl.Entry>): void {
  let total = 0;
  for (const [name, e] of entries) {
    if (e.uncompressedSize > MAX_ZIP_ENTRY_BYTES) {
      throw limitError('A ZIP entry is too large unpacked', `${shortText(name)} declares ${bytesText(e.uncompressedSize)}`, bytesText(MAX_ZIP_ENTRY_BYTES));
    }
    if (e.uncompressedSize > MIN_RATIO_CHECK_BYTES && e.uncompressedSize > MAX_ZIP_COMPRESSION_RATIO * Math.max(e.compressedSize, 1)) {
      throw limitError(
        'A ZIP entry is compressed too far (a ZIP bomb)',
        `${shortText(name)} declares ${bytesText(e.uncompressedSize)} from ${bytesText(e.compressedSize)}, ${ratioText(e.uncompressedSize, e.compressedSize)}`,
        `${MAX_ZIP_COMPRESSION_RATIO}×`,
      );
    }
    total += e.uncompressedSize;
    if (total > MAX_ZIP_TOTAL_BYTES) {
      throw limitError('The ZIP archive is too large unpacked', `its entries declare more than ${bytesText(total)} together`, bytesText(MAX_ZIP_TOTAL_BYTES));
    }
  }
}

/** The same caps against the bytes really inflated so far, and the entry's own declared size: headers lie. */
function inflatedTooFar(name: string, e: yauzl.Entry, inflated: number, total: number): UserError | null {
  if (inflated > e.uncompressedSize) {
    return limitError(
      'A ZIP entry inflates past the size its header declares',
      `${shortText(name)} declares ${bytesText(e.uncompressedSize)} and inflates to over ${bytesText(inflated)}`,
      'the declared size',
    );
  }
  if (inflated > MAX_ZIP_ENTRY_BYTES) {
    return limitError(
      'A ZIP entry is too large unpacked',
      `${shortText(name)} inflates past ${bytesText(MAX_ZIP_ENTRY_BYTES)}`,
      bytesText(MAX_ZIP_ENTRY_BYTES),
    );
  }
  if (inflated > MIN_RATIO_CHECK_BYTES && inflated > MAX_ZIP_COMPRESSION_RATIO * Math.max(e.compressedSize, 1)) {
    return limitError(
      'A ZIP entry is compressed too far (a ZIP bomb)',
      `${shortText(name)} inflates to over ${bytesText(inflated)} from ${bytesText(e.compressedSize)}, ${ratioText(inflated, e.compressedSize)}`,
      `${MAX_ZIP_COMPRESSION_RATIO}×`,
    );
  }
  if (total > MAX_ZIP_TOTAL_BYTES) {
    return limitError(
      'The ZIP archive is too large unpacked',
      `its entries inflate past ${bytesText(MAX_ZIP_TOTAL_BYTES)} together`,
      bytesText(MAX_ZIP_TOTAL_BYTES),
    );
  }
  return null;
}

function ratioText(unpacked: number, packed: number): string {
  return `${countText(Math.round(unpacked / Math.max(packed, 1)))}×`;
}

function corrupt(name: string, err: Error): UserError {
  return new UserError('invalid_input', `Corrupt ZIP archive: ${shortText(name)} cannot be read (${shortText(err.message)})`);
}
