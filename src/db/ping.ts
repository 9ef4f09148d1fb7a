// The cheapest question Postgres answers: used by the readiness check and the outage tracker's probe.
import { sql } from 'kysely';
import type { Db } from './database.ts';

/** Resolves once the database answers `select 1`; rejects with the connection's error. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
