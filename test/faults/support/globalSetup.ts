// The fault suite's own world: a database of its own (dropped at the end), reached by each test through a relay it
// can cut or stall; each test file starts its own redis-server. At the end the figures every scenario recorded are
// printed as one table (the README's "Faults" table is copied from it).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDb } from '../../../src/db/database.ts';
import { dropDatabase } from '../../../src/db/dropDatabase.ts';
import { ensureDatabase, migrateToLatest } from '../../../src/db/migrate.ts';
import { figuresTable, type FaultFigures } from './figures.ts';

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where scenarios append their figures (JSON lines). */
    faultFigures: string;
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const name = `affiliate_faults_${runId}`;
  const databaseUrl = `${SERVER}/${name}`;
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl, 2);
  await migrateToLatest(db);
  await db.insertInto('organisations').values({ name: 'Fault suite operator', operator_default: true }).execute();
  await db.destroy();
  const dir = mkdtempSync(path.join(tmpdir(), 'faults-'));
  const figures = path.join(dir, 'figures.jsonl');
  project.provide('databaseUrl', databaseUrl);
  project.provide('queuePrefix', `f_${runId}`);
  project.provide('redisUrl', 'redis://127.0.0.1:1'); // never used: each file starts a redis-server of its own
  project.provide('faultFigures', figures);
  const started = Date.now();

  return async () => {
    let rows: FaultFigures[] = [];
    try {
      rows = readFileSync(figures, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as FaultFigures);
    } catch {
      // no scenario ran
    }
    if (rows.length > 0) console.log(`\nFault suite figures (${((Date.now() - started) / 1000).toFixed(0)} s in all):\n\n${figuresTable(rows)}\n`);
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(databaseUrl);
  };
}
