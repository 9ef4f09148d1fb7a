// A database of a test file's own (beside the run's shared one), for tests that migrate up and down or move a clock
// the shared database must not see. Dropped after the file.
import { afterAll, inject } from 'vitest';
import { createDb, type Db } from '../../src/db/database.ts';
import { dropDatabase } from '../../src/db/dropDatabase.ts';
import { unique } from './env.ts';

export function privateDatabase(prefix: string, poolSize = 2): { url: string; db: Db } {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${unique(prefix).toLowerCase()}`;
  const db = createDb(url.toString(), poolSize);
  afterAll(async () => {
    await db.destroy();
    await dropDatabase(url.toString());
  });
  return { url: url.toString(), db };
}
