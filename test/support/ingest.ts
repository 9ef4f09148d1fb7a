// Helpers for ingest tests: write a report file, ingest it through the real pipeline, read totals back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import { createIngest } from '../../src/domain/ingest/ingests.ts';
import { runIngest } from '../../src/domain/ingest/runIngest.ts';
import { storeLocalFile } from '../../src/domain/ingest/storeFile.ts';
import { EARNINGS_COLUMNS } from './reportColumns.ts';

export { FIXTURES } from './fixturePaths.ts';
const dir = mkdtempSync(path.join(tmpdir(), 'ingest-test-'));
let n = 0;

export function writeReport(content: string, ext = 'csv'): string {
  const file = path.join(dir, `report-${++n}.${ext}`);
  writeFileSync(file, content);
  return file;
}

export interface IngestOptions {
  /** Whose report it is. */
  organisationId: number;
  marketplace?: string;
  network?: string;
  confirmReversals?: boolean;
}

/** Ingests a copy stored the way the API and CLI store uploads (the original, e.g. a fixture, is never touched). */
export async function ingest(db: Db, filePath: string, opts: IngestOptions) {
  return (await runIngest(db, await recordIngest(db, filePath, opts))).status;
}

/** Stores a copy and records the ingest without running it (for tests that run it their own way). */
export async function recordIngest(db: Db, filePath: string, opts: IngestOptions): Promise<string> {
  const stored = await storeLocalFile(filePath, path.join(dir, 'storage'), 200 * 1024 * 1024);
  return createIngest(db, {
    organisationId: opts.organisationId,
    confirmReversals: opts.confirmReversals ?? false,
    network: opts.network ?? 'amazon',
    source: 'cli',
    filePath: stored.path,
    fileName: path.basename(filePath),
    sha256: stored.sha256,
    byteSize: stored.bytes,
    marketplace: opts.marketplace ?? null,
  });
}

/** Net ledger amounts per kind for a set of tracking IDs (pending counts only what is still live). */
export async function totals(db: Db, trackingIds: string[]) {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['kind', 'currency', sql<number>`sum(amount_minor)::bigint`.as('amount'), sql<number>`count(*)::int`.as('n')])
    .where('tracking_id', 'in', trackingIds)
    .groupBy(['kind', 'currency'])
    .orderBy('kind')
    .execute();
  return Object.fromEntries(rows.map((r) => [`${r.kind}:${r.currency}`, Number(r.amount)]));
}

export const EARNINGS_HEADER = EARNINGS_COLUMNS.join(',');
export const ORDERS_HEADER = 'Category,Name,ASIN,Date,Qty,Price($),Link Type,Tag,Indirect Sales,Device Type Group';

/** MM-DD-YYYY as Amazon's title line writes it. */
const us = (d: string) => `${d.slice(5, 7)}-${d.slice(8, 10)}-${d.slice(0, 4)}`;

export function earningsCsv(window: [string, string], rows: string[]): string {
  return [`Fee-Earnings reports from ${us(window[0])} to ${us(window[1])}`, EARNINGS_HEADER, ...rows].join('\n') + '\n';
}

export function ordersCsv(window: [string, string], rows: string[]): string {
  return [`Fee-Orders reports from ${us(window[0])} to ${us(window[1])}`, ORDERS_HEADER, ...rows].join('\n') + '\n';
}
