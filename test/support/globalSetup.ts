// One throwaway database and one queue prefix per test run; dropped at the end.
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { createDb } from '../../src/db/database.ts';
import { ensureDatabase, migrateToLatest } from '../../src/db/migrate.ts';

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    queuePrefix: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const name = `affiliate_test_${runId}`;
  const databaseUrl = `${SERVER}/${name}`;
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl, 2);
  await migrateToLatest(db);
  await db.destroy();
  project.provide('databaseUrl', databaseUrl);
  project.provide('queuePrefix', `t_${runId}`);
  project.provide('redisUrl', process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

  return async () => {
    const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };
}
