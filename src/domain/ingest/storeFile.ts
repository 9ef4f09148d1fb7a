// Report files are written to FEED_STORAGE_DIR as they stream in, hashed on the way, and capped in size:
// a 1 GB upload is cut off at the cap without ever being held in memory.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../errors.ts';

export class TooLargeError extends UserError {
  constructor(readonly limit: number) {
    super('invalid_input', `The file is larger than the ${Math.round(limit / 1024 / 1024)} MB limit.`);
  }
}

export interface StoredFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** `source` may be a factory so that a stream which fails on open (a missing file) is piped before it can error. */
export async function storeStream(source: Readable | (() => Readable), dir: string, maxBytes: number): Promise<StoredFile> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${randomUUID()}.report`);
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new TooLargeError(maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(typeof source === 'function' ? source() : source, meter, createWriteStream(file, { flags: 'wx' }));
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  if (bytes === 0) {
    await rm(file, { force: true });
    throw new UserError('invalid_input', 'The file is empty.');
  }
  return { path: file, sha256: hash.digest('hex'), bytes };
}

/** Files storeStream wrote are named <uuid>.report; nothing else is ever deleted after an ingest. */
export function isStoredReportFile(file: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.report$/.test(path.basename(file));
}

export function storeLocalFile(filePath: string, dir: string, maxBytes: number): Promise<StoredFile> {
  return storeStream(() => createReadStream(filePath), dir, maxBytes);
}

/**
 * How long stored uploads are kept. A file is removed as soon as its ingest succeeds; a failed or held one is kept
 * this long for an operator to look at (or to send again with confirmation), then removed.
 */
export const UPLOAD_RETENTION_MS = 14 * 24 * 60 * 60 * 1000;

export interface ExpiredUploadsResult {
  /** Paths this call removed (a file removed by a concurrent call is listed by that call only). */
  removed: string[];
  /** Stored uploads still younger than the retention. */
  kept: number;
}

/**
 * Removes stored uploads (`<uuid>.report` files written by storeStream, directly in `dir`) whose last write is older
 * than `retentionMs`. Nothing else in the directory is touched: no other names, no subdirectories, no symbolic links
 * (even one named like an upload). A missing directory removes nothing. Files are judged by modification time alone,
 * not by their ingest's status: a file still queued or running is always younger than any sensible retention.
 * Safe to run while uploads are being written and from several processes at once (a file another run removed first
 * is skipped). `now` is for tests.
 */
export async function removeExpiredUploads(dir: string, retentionMs: number = UPLOAD_RETENTION_MS, now: number = Date.now()): Promise<ExpiredUploadsResult> {
  if (!Number.isFinite(retentionMs) || retentionMs < 0) throw new Error(`retentionMs must be a non-negative number of milliseconds, not ${retentionMs}`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { removed: [], kept: 0 };
    throw err;
  }
  const removed: string[] = [];
  let kept = 0;
  for (const name of names) {
    if (!isStoredReportFile(name)) continue;
    const file = path.join(dir, name);
    let stat;
    try {
      stat = await lstat(file);
    } catch {
      continue; // removed meanwhile
    }
    if (!stat.isFile()) continue;
    if (now - stat.mtimeMs <= retentionMs) {
      kept++;
      continue;
    }
    try {
      await unlink(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another run removed it first
      throw err;
    }
    removed.push(file);
  }
  return { removed, kept };
}
