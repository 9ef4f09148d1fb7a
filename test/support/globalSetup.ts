// One throwaway database and one Redis key prefix per test run; both are removed at the end.
import type { TestProject } from 'vitest/node';
import { createDb } from '../../src/db/database.ts';
import { dropDatabase } from '../../src/db/dropDatabase.ts';
import { ensureDatabase, migrateToLatest } from '../../src/db/migrate.ts';
import { deleteKeysMatching } from '../../src/redisKeys.ts';

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** Every queue prefix of this run starts with it (test/support/env.ts adds a per-app suffix). */
    queuePrefix: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const name = `affiliate_test_${runId}`;
  const databaseUrl = `${SERVER}/${name}`;
  const queuePrefix = `t_${runId}`;
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl, 2);
  await migrateToLatest(db);
  // The operator's default organisation (what the CLI and the global feeds token mean when they name none): made
  // here, so it never becomes whichever organisation some test file happened to create first.
  await db.insertInto('organisations').values({ name: 'Test operator', operator_default: true }).execute();
  await db.destroy();
  project.provide('databaseUrl', databaseUrl);
  project.provide('queuePrefix', queuePrefix);
  project.provide('redisUrl', REDIS_URL);

  return async () => {
    await dropDatabase(databaseUrl);
    await deleteKeysMatching(REDIS_URL, `${queuePrefix}*`);
  };
}
