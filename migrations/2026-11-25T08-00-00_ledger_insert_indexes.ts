// Fewer and narrower index updates per ledger insert (a million-row report inserts a million lines):
//  - ledger_entries_tracking_idx (tracking_id, occurred_at) served no query: lookups by tracking ID go through
//    ledger_entries_unattributed_idx (attribution), ledger_entries_window_idx (window re-issues) or the match
//    indexes (pending release); earnings read by influencer (ledger_entries_influencer_time_idx).
//  - ledger_entries_match_idx (pending and confirmed lines together) becomes one partial index per kind, with the
//    same columns: each line still updates one of them, and the release step can ask "does this tracking ID have
//    anything pending?" without walking every confirmed line.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS ledger_entries_tracking_idx`.execute(db);
  await sql`CREATE INDEX ledger_entries_pending_match_idx ON ledger_entries (tracking_id, asin, occurred_at) WHERE kind = 'pending'`.execute(db);
  await sql`CREATE INDEX ledger_entries_confirmed_match_idx ON ledger_entries (tracking_id, asin, occurred_at) WHERE kind = 'confirmed'`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_match_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS ledger_entries_match_idx ON ledger_entries (tracking_id, asin, occurred_at) WHERE kind IN ('pending', 'confirmed')`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_pending_match_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_confirmed_match_idx`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS ledger_entries_tracking_idx ON ledger_entries (tracking_id, occurred_at)`.execute(db);
}
