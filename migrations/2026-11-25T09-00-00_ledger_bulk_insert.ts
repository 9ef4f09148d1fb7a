// A million-line report must go into the ledger in seconds. What cost the time, measured on 1M lines:
//  - four foreign keys: one trigger call per line each (~8 s). The ledger is append-only and written by the ingest
//    alone, which takes every referenced id from rows it reads in the same transaction; influencers and ingests
//    are never deleted (a commission ledger must not lose who earned what), so the keys guarded nothing.
//  - the unique line-key index: keys are content hashes, so a million inserts land on random pages (~5 s).
//    Report lines are unique by (network, tracking ID, time, line key, kind) instead: the same rows, because a
//    report line's key hashes its tracking ID and store-local time (so equal keys have equal times), and the
//    ingest writes lines in (tracking ID, time) order, so the index grows at a few places, not everywhere.
//    That index also answers "which lines of these tracking IDs fall in this window", so the window index goes.
//    Our JSON-lines events key on order ids alone (a corrected time must not make a second line): their own
//    small unique index keeps (network, line key, kind).
//  - text comparisons under the database's default collation: tracking IDs and keys are ASCII, compared bytewise.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  for (const fk of ['ledger_entries_ingest_id_fkey', 'ledger_entries_influencer_id_fkey', 'ledger_entries_link_id_fkey', 'ledger_entries_reverses_entry_id_fkey']) {
    await sql`ALTER TABLE ledger_entries DROP CONSTRAINT IF EXISTS ${sql.id(fk)}`.execute(db);
  }
  await sql`CREATE UNIQUE INDEX ledger_entries_report_line_idx ON ledger_entries
              (network, tracking_id COLLATE "C", occurred_at, line_key COLLATE "C", kind) WHERE report_type <> 'events'`.execute(db);
  await sql`CREATE UNIQUE INDEX ledger_entries_event_line_idx ON ledger_entries (network, line_key COLLATE "C", kind) WHERE report_type = 'events'`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_line_key`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_window_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS ledger_entries_line_key ON ledger_entries (network, line_key, kind)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS ledger_entries_window_idx ON ledger_entries (network, report_type, marketplace, tracking_id, occurred_at)`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_report_line_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_event_line_idx`.execute(db);
  await sql`ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_ingest_id_fkey FOREIGN KEY (ingest_id) REFERENCES feed_ingests(id) ON DELETE SET NULL`.execute(db);
  await sql`ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_influencer_id_fkey FOREIGN KEY (influencer_id) REFERENCES influencers(id) ON DELETE SET NULL`.execute(db);
  await sql`ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_link_id_fkey FOREIGN KEY (link_id) REFERENCES links(id) ON DELETE SET NULL`.execute(db);
  await sql`ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_reverses_entry_id_fkey FOREIGN KEY (reverses_entry_id) REFERENCES ledger_entries(id)`.execute(db);
}
