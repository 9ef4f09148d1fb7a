// Click batches written, by id: a batch whose insert committed but whose answer was lost (the connection cut after
// COMMIT) is retried by the click buffer, and its id makes that retry write nothing instead of every click twice.
// Rows are pruned by the click-partitions job after a week. Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('click_batches')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('written_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX click_batches_written_at_idx ON click_batches (written_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('click_batches').execute();
}
