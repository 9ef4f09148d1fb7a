// Migrations on a database of their own: a database that ran a later migration before an earlier-named one was
// merged still migrates, and every migration can be undone and redone.
import { Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrations } from '../migrations/index.ts';
import { createDb } from '../src/db/database.ts';
import { ensureDatabase, migrateToLatest } from '../src/db/migrate.ts';
import { unique } from './support/env.ts';

const url = new URL(inject('databaseUrl'));
url.pathname = `/${unique('migr').toLowerCase()}`;
const db = createDb(url.toString(), 2);

afterAll(async () => {
  await db.destroy();
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const server = createDb(admin.toString(), 1);
  await sql`DROP DATABASE IF EXISTS ${sql.id(url.pathname.slice(1))} WITH (FORCE)`.execute(server);
  await server.destroy();
});

const tables = async () =>
  (await sql<{ t: string }>`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`.execute(db)).rows.map((r) => r.t);

describe('when the database is migrated', () => {
  it('then a migration merged after a later-named one had run is still applied, and down then up restores the same tables', async () => {
    await ensureDatabase(url.toString());
    const names = Object.keys(migrations).sort();
    const skipped = names[names.length - 2]!;
    const without = Object.fromEntries(Object.entries(migrations).filter(([name]) => name !== skipped));
    await migrateToLatest(db, without);
    const done = await migrateToLatest(db);
    expect(done.results?.map((r) => [r.migrationName, r.status])).toEqual([[skipped, 'Success']]);
    const full = await tables();

    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
    for (let i = 0; i < names.length; i++) {
      const r = await migrator.migrateDown();
      expect(r.error).toBeUndefined();
    }
    expect((await tables()).filter((t) => !t.startsWith('kysely_'))).toEqual([]);
    await migrateToLatest(db);
    expect(await tables()).toEqual(full);
  }, 60_000);
});
