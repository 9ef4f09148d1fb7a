// Report files are written to FEED_STORAGE_DIR as they stream in, hashed on the way, and capped in size:
// a 1 GB upload is cut off at the cap without ever being held in memory.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
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
