// Money belongs to an organisation. Every ingest is owned by one organisation, and so is every ledger line (the
// line's organisation is its ingest's; a line is attributed only to an influencer of that organisation). Report
// lines are unique per organisation, so one organisation's ingest never hides or changes another's.
// - organisations.operator_default: the organisation the operator's CLI and global feed token mean when they name
//   none (at most one).
// - feed_ingests.organisation_id, ledger_entries.organisation_id (NOT NULL), feed_sources.organisation_id (NOT NULL).
//   Existing data: an ingest belongs to the organisation of the influencers holding most of its lines, else to its
//   feed source's, else to the operator's default organisation (the only organisation, or a new one); a line to
//   its influencer's organisation, else its ingest's.
// - feed_ingests.status 'held' (a re-issued window that would reverse most of its confirmed lines waits for
//   confirmation) and confirm_reversals.
// - feed_tokens: per-organisation bearer tokens for the feeds API, stored as SHA-256 digests.
// - tracking_ids.organisation_id (its influencer's, kept so by a trigger; registrations are rare, the ledger never
//   writes here): a tracking ID is unique within an organisation, not across them, so registering someone else's
//   public tracking ID in another workspace neither earns anything (no report of theirs is ever credited across
//   organisations) nor blocks the real owner from registering it in theirs.
// - The earnings rollups are emptied: their rows of unattributed lines now carry the organisation, and the next
//   refresh rebuilds them from the ledger (reads stay exact meanwhile: lines above the horizon come from the ledger).
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

const ROLLUPS = ['earnings_rollups', 'earnings_product_rollups', 'earnings_unattributed_rollups', 'earnings_dense_influencers', 'earnings_rollup_candidates'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE organisations ADD COLUMN operator_default boolean NOT NULL DEFAULT false`.execute(db);
  await sql`CREATE UNIQUE INDEX organisations_operator_default_idx ON organisations (operator_default) WHERE operator_default`.execute(db);

  await sql`ALTER TABLE feed_ingests ADD COLUMN organisation_id bigint REFERENCES organisations(id)`.execute(db);
  await sql`ALTER TABLE feed_ingests ADD COLUMN confirm_reversals boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE feed_ingests DROP CONSTRAINT IF EXISTS feed_ingests_status_check`.execute(db);
  await sql`ALTER TABLE feed_ingests ADD CONSTRAINT feed_ingests_status_check CHECK (status in ('queued', 'running', 'succeeded', 'failed', 'held'))`.execute(db);
  await sql`ALTER TABLE ledger_entries ADD COLUMN organisation_id bigint`.execute(db);

  // Existing ingests: the organisation whose influencers hold most of their lines, else their feed source's.
  await sql`
    WITH owners AS (
      SELECT e.ingest_id, i.organisation_id, row_number() OVER (PARTITION BY e.ingest_id ORDER BY count(*) DESC, i.organisation_id) AS rank
        FROM ledger_entries e JOIN influencers i ON i.id = e.influencer_id
       WHERE e.ingest_id IS NOT NULL
       GROUP BY e.ingest_id, i.organisation_id)
    UPDATE feed_ingests f SET organisation_id = o.organisation_id FROM owners o WHERE o.ingest_id = f.id AND o.rank = 1`.execute(db);
  await sql`UPDATE feed_ingests f SET organisation_id = s.organisation_id FROM feed_sources s WHERE f.organisation_id IS NULL AND s.id = f.feed_source_id AND s.organisation_id IS NOT NULL`.execute(db);
  await sql`UPDATE ledger_entries e SET organisation_id = i.organisation_id FROM influencers i WHERE i.id = e.influencer_id`.execute(db);

  // What is left has no owner but the operator: the only organisation there is, or a new default one.
  const orphans = await sql<{ n: number }>`
    SELECT ((SELECT count(*) FROM feed_ingests WHERE organisation_id IS NULL) + (SELECT count(*) FROM feed_sources WHERE organisation_id IS NULL)
          + (SELECT count(*) FROM ledger_entries e WHERE e.organisation_id IS NULL AND NOT EXISTS (SELECT 1 FROM feed_ingests f WHERE f.id = e.ingest_id AND f.organisation_id IS NOT NULL)))::int AS n`.execute(db);
  if ((orphans.rows[0]?.n ?? 0) > 0) {
    const orgs = await sql<{ id: string }>`SELECT id FROM organisations ORDER BY id LIMIT 2`.execute(db);
    const id =
      orgs.rows.length === 1 ? orgs.rows[0]!.id : (await sql<{ id: string }>`INSERT INTO organisations (name) VALUES ('Default organisation') RETURNING id`.execute(db)).rows[0]!.id;
    await sql`UPDATE organisations SET operator_default = true WHERE id = ${id}`.execute(db);
    await sql`UPDATE feed_ingests SET organisation_id = ${id} WHERE organisation_id IS NULL`.execute(db);
    await sql`UPDATE feed_sources SET organisation_id = ${id} WHERE organisation_id IS NULL`.execute(db);
  }
  await sql`UPDATE ledger_entries e SET organisation_id = f.organisation_id FROM feed_ingests f WHERE e.organisation_id IS NULL AND f.id = e.ingest_id`.execute(db);
  await sql`UPDATE ledger_entries SET organisation_id = (SELECT id FROM organisations WHERE operator_default) WHERE organisation_id IS NULL`.execute(db);
  await sql`ALTER TABLE feed_ingests ALTER COLUMN organisation_id SET NOT NULL`.execute(db);
  await sql`ALTER TABLE feed_sources ALTER COLUMN organisation_id SET NOT NULL`.execute(db);
  await sql`ALTER TABLE ledger_entries ALTER COLUMN organisation_id SET NOT NULL`.execute(db);
  await sql`CREATE INDEX feed_ingests_organisation_idx ON feed_ingests (organisation_id, created_at)`.execute(db);

  // Lines are unique per organisation (the same report ingested by two organisations is two organisations' money).
  await sql`DROP INDEX IF EXISTS ledger_entries_report_line_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_event_line_idx`.execute(db);
  await sql`CREATE UNIQUE INDEX ledger_entries_report_line_idx ON ledger_entries
              (organisation_id, network, tracking_id COLLATE "C", occurred_at, line_key COLLATE "C", kind) WHERE report_type <> 'events'`.execute(db);
  await sql`CREATE UNIQUE INDEX ledger_entries_event_line_idx ON ledger_entries (organisation_id, network, line_key COLLATE "C", kind) WHERE report_type = 'events'`.execute(db);

  await sql`ALTER TABLE tracking_ids ADD COLUMN organisation_id bigint`.execute(db);
  await sql`UPDATE tracking_ids t SET organisation_id = i.organisation_id FROM influencers i WHERE i.id = t.influencer_id`.execute(db);
  await sql`ALTER TABLE tracking_ids ALTER COLUMN organisation_id SET NOT NULL`.execute(db);
  await sql`CREATE FUNCTION tracking_ids_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              NEW.organisation_id := (SELECT organisation_id FROM influencers WHERE id = NEW.influencer_id);
              RETURN NEW;
            END $$`.execute(db);
  await sql`CREATE TRIGGER tracking_ids_organisation BEFORE INSERT OR UPDATE OF influencer_id, organisation_id ON tracking_ids
            FOR EACH ROW EXECUTE FUNCTION tracking_ids_organisation()`.execute(db);
  await sql`ALTER TABLE tracking_ids DROP CONSTRAINT tracking_ids_tracking_id_key`.execute(db);
  await sql`CREATE UNIQUE INDEX tracking_ids_organisation_tracking_idx ON tracking_ids (organisation_id, tracking_id)`.execute(db);
  await sql`CREATE INDEX tracking_ids_tracking_idx ON tracking_ids (tracking_id)`.execute(db);

  await db.schema
    .createTable('feed_tokens')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    // The token's last characters, so people can tell their tokens apart without the token.
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('created_by_identity_id', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by_identity_id', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('feed_tokens_organisation_idx').on('feed_tokens').column('organisation_id').execute();

  for (const t of ROLLUPS) await sql`TRUNCATE ${sql.table(t)}`.execute(db);
  await sql`UPDATE earnings_rollup_state SET horizon = 0, refreshed_at = NULL`.execute(db);
  // Rows of lines unattributed when rolled up now name their organisation as well as their tracking ID.
  await sql`ALTER TABLE earnings_rollups DROP CONSTRAINT earnings_rollups_check`.execute(db);
  await sql`ALTER TABLE earnings_rollups ADD CONSTRAINT earnings_rollups_check CHECK (
              (tracking_id IS NULL AND organisation_id IS NOT NULL AND influencer_id IS NULL)
              OR (tracking_id IS NOT NULL AND (organisation_id IS NULL) <> (influencer_id IS NULL)))`.execute(db);
  await sql`ALTER TABLE earnings_product_rollups DROP CONSTRAINT earnings_product_rollups_check`.execute(db);
  await sql`ALTER TABLE earnings_product_rollups ADD CONSTRAINT earnings_product_rollups_check CHECK (
              (organisation_id IS NOT NULL AND influencer_id IS NULL AND tracking_id IS NULL)
              OR (influencer_id IS NOT NULL AND organisation_id IS NULL AND tracking_id IS NULL)
              OR (tracking_id IS NOT NULL AND organisation_id IS NOT NULL AND influencer_id IS NULL))`.execute(db);
  await sql`ALTER TABLE earnings_unattributed_rollups ADD COLUMN organisation_id bigint NOT NULL`.execute(db);
  await sql`DROP INDEX IF EXISTS earnings_unattributed_rollups_key`.execute(db);
  await sql`CREATE UNIQUE INDEX earnings_unattributed_rollups_key ON earnings_unattributed_rollups (organisation_id, bucket, tracking_id, ingest_id, marketplace, currency) NULLS NOT DISTINCT`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ROLLUPS) await sql`TRUNCATE ${sql.table(t)}`.execute(db);
  await sql`UPDATE earnings_rollup_state SET horizon = 0, refreshed_at = NULL`.execute(db);
  await sql`ALTER TABLE earnings_rollups DROP CONSTRAINT earnings_rollups_check`.execute(db);
  await sql`ALTER TABLE earnings_rollups ADD CONSTRAINT earnings_rollups_check CHECK ((organisation_id IS NULL) <> (tracking_id IS NULL) AND (organisation_id IS NULL OR influencer_id IS NULL))`.execute(db);
  await sql`ALTER TABLE earnings_product_rollups DROP CONSTRAINT earnings_product_rollups_check`.execute(db);
  await sql`ALTER TABLE earnings_product_rollups ADD CONSTRAINT earnings_product_rollups_check CHECK ((organisation_id IS NOT NULL)::int + (influencer_id IS NOT NULL)::int + (tracking_id IS NOT NULL)::int = 1)`.execute(db);
  await sql`DROP INDEX IF EXISTS earnings_unattributed_rollups_key`.execute(db);
  await sql`ALTER TABLE earnings_unattributed_rollups DROP COLUMN IF EXISTS organisation_id`.execute(db);
  await sql`CREATE UNIQUE INDEX earnings_unattributed_rollups_key ON earnings_unattributed_rollups (bucket, tracking_id, ingest_id, marketplace, currency) NULLS NOT DISTINCT`.execute(db);
  await db.schema.dropTable('feed_tokens').ifExists().execute();
  // A tracking ID two organisations both registered goes back to its first registration.
  await sql`DELETE FROM tracking_ids t WHERE EXISTS (SELECT 1 FROM tracking_ids o WHERE o.tracking_id = t.tracking_id AND o.id < t.id)`.execute(db);
  await sql`DROP INDEX IF EXISTS tracking_ids_tracking_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS tracking_ids_organisation_tracking_idx`.execute(db);
  await sql`ALTER TABLE tracking_ids ADD CONSTRAINT tracking_ids_tracking_id_key UNIQUE (tracking_id)`.execute(db);
  await sql`DROP TRIGGER IF EXISTS tracking_ids_organisation ON tracking_ids`.execute(db);
  await sql`DROP FUNCTION IF EXISTS tracking_ids_organisation()`.execute(db);
  await sql`ALTER TABLE tracking_ids DROP COLUMN IF EXISTS organisation_id`.execute(db);
  // Lines that two organisations both hold cannot be unique without the organisation: keep the first of each.
  await sql`DELETE FROM ledger_entries e WHERE EXISTS (
              SELECT 1 FROM ledger_entries o WHERE o.id < e.id AND o.network = e.network AND o.tracking_id = e.tracking_id AND o.occurred_at = e.occurred_at
                 AND o.line_key = e.line_key AND o.kind = e.kind AND (o.report_type = 'events') = (e.report_type = 'events'))`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_report_line_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS ledger_entries_event_line_idx`.execute(db);
  await sql`CREATE UNIQUE INDEX ledger_entries_report_line_idx ON ledger_entries
              (network, tracking_id COLLATE "C", occurred_at, line_key COLLATE "C", kind) WHERE report_type <> 'events'`.execute(db);
  await sql`CREATE UNIQUE INDEX ledger_entries_event_line_idx ON ledger_entries (network, line_key COLLATE "C", kind) WHERE report_type = 'events'`.execute(db);
  await sql`DROP INDEX IF EXISTS feed_ingests_organisation_idx`.execute(db);
  await sql`ALTER TABLE ledger_entries DROP COLUMN IF EXISTS organisation_id`.execute(db);
  await sql`ALTER TABLE feed_sources ALTER COLUMN organisation_id DROP NOT NULL`.execute(db);
  await sql`UPDATE feed_ingests SET status = 'failed', error = 'Held for confirmation when the database was rolled back' WHERE status = 'held'`.execute(db);
  await sql`ALTER TABLE feed_ingests DROP CONSTRAINT IF EXISTS feed_ingests_status_check`.execute(db);
  await sql`ALTER TABLE feed_ingests ADD CONSTRAINT feed_ingests_status_check CHECK (status in ('queued', 'running', 'succeeded', 'failed'))`.execute(db);
  await sql`ALTER TABLE feed_ingests DROP COLUMN IF EXISTS confirm_reversals`.execute(db);
  await sql`ALTER TABLE feed_ingests DROP COLUMN IF EXISTS organisation_id`.execute(db);
  await sql`DROP INDEX IF EXISTS organisations_operator_default_idx`.execute(db);
  await sql`ALTER TABLE organisations DROP COLUMN IF EXISTS operator_default`.execute(db);
}
