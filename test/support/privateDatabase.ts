// A database of a test file's own (beside the run's shared one), for tests that migrate up and down or move a clock
// the shared database must not see. Dropped after the file.
import { sql } from 'kysely';
import { afterAll, inject } from 'vitest';
import { createDb, type Db } from '../../src/db/database.ts';
import { unique } from './env.ts';

export function privateDatabase(prefix: string, poolSize = 2): { url: string; db: Db } {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${unique(prefix).toLowerCase()}`;
  const db = createDb(url.toString(), poolSize);
  afterAll(async () => {
    await db.destroy();
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const server = createDb(admin.toString(), 1);
    await sql`DROP DATABASE IF EXISTS ${sql.id(url.pathname.slice(1))} WITH (FORCE)`.execute(server);
    await server.destroy();
  });
  return { url: url.toString(), db };
}
