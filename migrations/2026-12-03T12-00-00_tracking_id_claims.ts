// Claiming a tracking ID needs proof when it matters (inside one organisation):
// - tracking_ids.verified: a row with verified = false is a pending claim. Its influencer's links may be tagged with
//   it, but it credits and reveals nothing: every query that attributes or shows money reads verified rows only.
// - tracking_ids.released_at: a row given up (its claim refused or withdrawn, or the ID moved to a claimant a manager
//   approved). Kept because links point at it; never used for new links, never verified again.
// - A tracking ID is held (verified) by at most one influencer of an organisation; an influencer has at most one live
//   (not released) row per tracking ID.
// - tracking_id_claims: the log of every claim and decision.
// On a database where organisation ownership has not run yet (only when migrations run out of order), tracking_ids
// has no organisation: the per-organisation index is then left to that migration.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

async function hasColumn(db: Kysely<any>, table: string, column: string): Promise<boolean> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${table} AND column_name = ${column}`.execute(db);
  return (r.rows[0]?.n ?? 0) > 0;
}

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE tracking_ids ADD COLUMN verified boolean NOT NULL DEFAULT true`.execute(db);
  await sql`ALTER TABLE tracking_ids ADD COLUMN released_at timestamptz`.execute(db);
  await sql`ALTER TABLE tracking_ids ADD CONSTRAINT tracking_ids_released_check CHECK (released_at IS NULL OR NOT (verified OR is_default))`.execute(db);
  if (await hasColumn(db, 'tracking_ids', 'organisation_id')) {
    await sql`DROP INDEX IF EXISTS tracking_ids_organisation_tracking_idx`.execute(db);
    await sql`CREATE UNIQUE INDEX tracking_ids_organisation_tracking_idx ON tracking_ids (organisation_id, tracking_id) WHERE verified`.execute(db);
  }
  await sql`CREATE UNIQUE INDEX tracking_ids_influencer_tracking_idx ON tracking_ids (influencer_id, tracking_id) WHERE released_at IS NULL`.execute(db);

  await db.schema
    .createTable('tracking_id_claims')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('tracking_id', 'text', (c) => c.notNull())
    .addColumn('marketplace', 'text', (c) => c.notNull())
    .addColumn('claimant_influencer_id', 'bigint', (c) => c.notNull().references('influencers.id').onDelete('cascade'))
    .addColumn('claimant_identity_id', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    // The claimant's row (verified = false while the claim is pending).
    .addColumn('tracking_id_row_id', 'bigint', (c) => c.references('tracking_ids.id').onDelete('set null'))
    // Who held the tracking ID when the claim was made (reason held), if anyone.
    .addColumn('holder_influencer_id', 'bigint', (c) => c.references('influencers.id').onDelete('set null'))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('has_lines', 'held')`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'approved', 'refused', 'verified_by_report', 'withdrawn')`))
    .addColumn('decided_by_identity_id', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    .addColumn('decided_at', 'timestamptz')
    // The report whose ingest verified the claim (status verified_by_report).
    .addColumn('verified_by_ingest_id', 'uuid', (c) => c.references('feed_ingests.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addCheckConstraint('tracking_id_claims_decided_check', sql`(status = 'pending') = (decided_at IS NULL)`)
    .execute();
  // One claim at a time per influencer.
  await sql`CREATE UNIQUE INDEX tracking_id_claims_one_pending_idx ON tracking_id_claims (claimant_influencer_id) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX tracking_id_claims_organisation_idx ON tracking_id_claims (organisation_id, status, tracking_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('tracking_id_claims').ifExists().execute();
  // Rows that are not holdings go; links that point at one move to a holding of the same influencer (its own store's
  // first), else to the holding of the same tracking ID in the organisation.
  await sql`
    UPDATE links l SET tracking_id_id = (
             SELECT v.id FROM tracking_ids v WHERE v.influencer_id = t.influencer_id AND v.verified
              ORDER BY (v.marketplace = t.marketplace) DESC, v.is_default DESC, v.id LIMIT 1)
      FROM tracking_ids t
     WHERE l.tracking_id_id = t.id AND NOT t.verified
       AND EXISTS (SELECT 1 FROM tracking_ids v WHERE v.influencer_id = t.influencer_id AND v.verified)`.execute(db);
  // Still pointed at (an influencer whose only tracking IDs were claims): the oldest such claim of a tracking ID nobody
  // holds becomes a holding, as it would have been before claims existed, with the lines that wait for it; the links
  // of any other go to the holding of their tracking ID.
  const perOrg = await hasColumn(db, 'tracking_ids', 'organisation_id');
  const sameOrg = (a: string) => (perOrg ? sql.raw(`${a}.organisation_id = t.organisation_id AND`) : sql``);
  await sql`
    UPDATE tracking_ids t SET verified = true, released_at = NULL
     WHERE NOT t.verified AND EXISTS (SELECT 1 FROM links l WHERE l.tracking_id_id = t.id)
       AND NOT EXISTS (SELECT 1 FROM tracking_ids x WHERE ${sameOrg('x')} x.tracking_id = t.tracking_id AND x.verified)
       AND t.id = (SELECT min(x.id) FROM tracking_ids x WHERE ${sameOrg('x')} x.tracking_id = t.tracking_id AND NOT x.verified
                      AND EXISTS (SELECT 1 FROM links l WHERE l.tracking_id_id = x.id))`.execute(db);
  if (perOrg) {
    await sql`
      UPDATE ledger_entries e SET influencer_id = t.influencer_id
        FROM tracking_ids t
       WHERE t.verified AND e.influencer_id IS NULL AND e.tracking_id = t.tracking_id AND e.organisation_id = t.organisation_id`.execute(db);
  }
  await sql`
    UPDATE links l SET tracking_id_id = (SELECT v.id FROM tracking_ids v WHERE ${sameOrg('v')} v.tracking_id = t.tracking_id AND v.verified)
      FROM tracking_ids t
     WHERE l.tracking_id_id = t.id AND NOT t.verified`.execute(db);
  await sql`DELETE FROM tracking_ids WHERE NOT verified`.execute(db);
  // Every influencer keeps a default tracking ID for each store it has one for.
  await sql`
    UPDATE tracking_ids SET is_default = true
     WHERE id IN (SELECT min(id) FROM tracking_ids GROUP BY influencer_id, marketplace HAVING NOT bool_or(is_default))`.execute(db);
  await sql`DROP INDEX IF EXISTS tracking_ids_influencer_tracking_idx`.execute(db);
  if (perOrg) {
    await sql`DROP INDEX IF EXISTS tracking_ids_organisation_tracking_idx`.execute(db);
    await sql`CREATE UNIQUE INDEX tracking_ids_organisation_tracking_idx ON tracking_ids (organisation_id, tracking_id)`.execute(db);
  }
  await sql`ALTER TABLE tracking_ids DROP CONSTRAINT IF EXISTS tracking_ids_released_check`.execute(db);
  await sql`ALTER TABLE tracking_ids DROP COLUMN IF EXISTS released_at`.execute(db);
  await sql`ALTER TABLE tracking_ids DROP COLUMN IF EXISTS verified`.execute(db);
}
