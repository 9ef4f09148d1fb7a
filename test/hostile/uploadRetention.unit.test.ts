// Stored uploads outlive their ingest only when it did not succeed (failed or held: kept for inspection); after the
// retention they go. removeExpiredUploads touches nothing but storeStream's own `<uuid>.report` files.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { UPLOAD_RETENTION_MS, removeExpiredUploads, storeStream } from '../../src/domain/ingest/storeFile.ts';

const root = mkdtempSync(path.join(tmpdir(), 'retention-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 0, 31, 12);

/** A stored upload (through storeStream itself) last written `ageDays` before NOW. */
async function upload(dir: string, ageDays: number): Promise<string> {
  const stored = await storeStream(Readable.from([Buffer.from('Category,Name\n')]), dir, 1024);
  const at = new Date(NOW - ageDays * DAY);
  utimesSync(stored.path, at, at);
  return stored.path;
}

describe('when expired uploads are removed', () => {
  it('then the default retention is 14 days', () => {
    expect(UPLOAD_RETENTION_MS).toBe(14 * DAY);
  });

  it('then uploads older than the retention go and younger ones stay', async () => {
    const dir = path.join(root, `d${n++}`);
    const old = await upload(dir, 15);
    const edge = await upload(dir, 14);
    const young = await upload(dir, 1);
    const result = await removeExpiredUploads(dir, UPLOAD_RETENTION_MS, NOW);
    expect(result).toEqual({ removed: [old], kept: 2 });
    expect([existsSync(old), existsSync(edge), existsSync(young)]).toEqual([false, true, true]);
  });

  it('then the retention is a parameter (0 removes every stored upload written before now)', async () => {
    const dir = path.join(root, `d${n++}`);
    const a = await upload(dir, 2);
    const b = await upload(dir, 0.5);
    expect((await removeExpiredUploads(dir, 3 * DAY, NOW)).removed).toEqual([]);
    expect((await removeExpiredUploads(dir, DAY, NOW)).removed).toEqual([a]);
    expect((await removeExpiredUploads(dir, 0, NOW)).removed).toEqual([b]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("then nothing but storeStream's own files is touched: other names, folders and links stay", async () => {
    const dir = path.join(root, `d${n++}`);
    const mine = await upload(dir, 30);
    const elsewhere = path.join(root, `outside-${n++}.report`);
    writeFileSync(elsewhere, 'keep me');
    const others = ['notes.txt', 'report.csv', '12345678-1234-1234-1234-123456789abc.csv', 'ABCDEF12-1234-1234-1234-123456789ABC.report'];
    for (const name of others) writeFileSync(path.join(dir, name), 'x');
    mkdirSync(path.join(dir, '0bad0bad-1234-1234-1234-123456789abc.report'));
    symlinkSync(elsewhere, path.join(dir, 'deadbeef-1234-1234-1234-123456789abc.report'));
    const old = new Date(NOW - 365 * DAY);
    for (const name of others) utimesSync(path.join(dir, name), old, old);
    const result = await removeExpiredUploads(dir, UPLOAD_RETENTION_MS, NOW);
    expect(result.removed).toEqual([mine]);
    expect((await readdir(dir)).sort()).toEqual(
      [...others, '0bad0bad-1234-1234-1234-123456789abc.report', 'deadbeef-1234-1234-1234-123456789abc.report'].sort(),
    );
    expect(existsSync(elsewhere)).toBe(true);
  });

  it('then a missing directory removes nothing, and a bad retention is refused', async () => {
    expect(await removeExpiredUploads(path.join(root, 'never-made'), UPLOAD_RETENTION_MS, NOW)).toEqual({ removed: [], kept: 0 });
    await expect(removeExpiredUploads(root, -1, NOW)).rejects.toThrow(/non-negative/);
    await expect(removeExpiredUploads(root, Number.NaN, NOW)).rejects.toThrow(/non-negative/);
  });

  it('then two runs at once remove each file once and neither fails', async () => {
    const dir = path.join(root, `d${n++}`);
    const files = await Promise.all([1, 2, 3, 4, 5].map(() => upload(dir, 20)));
    const [a, b] = await Promise.all([removeExpiredUploads(dir, UPLOAD_RETENTION_MS, NOW), removeExpiredUploads(dir, UPLOAD_RETENTION_MS, NOW)]);
    expect([...a.removed, ...b.removed].sort()).toEqual([...files].sort());
    expect(await readdir(dir)).toEqual([]);
  });
});
