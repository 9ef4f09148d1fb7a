// Earnings rollups, so earnings and digest queries stay fast with tens of millions of ledger lines. Buckets are UTC
// hours, days, months, years and 'all' time (one bucket at -infinity).
//  - earnings_rollups: the sums the earnings and digest queries need, per tracking ID (with the influencer the
//    ledger named when the lines were rolled up, null before attribution: readers count those rows for the tracking
//    ID's owner, so late attribution changes nothing here) by day and up, and per organisation by hour and up; rows
//    of lines unattributed when rolled up also by hour.
//  - earnings_product_rollups: the same per product (ASIN) and link, per organisation, per influencer, and per
//    tracking ID for lines unattributed when rolled up. Rows that would hardly compress are not kept: organisation
//    rows by day and influencer rows by month exist from earnings_rollup_state.recent_from on (the start of the
//    previous month); influencer rows by day (from recent_from on), by month before it, by year and for all time only
//    for the influencers in earnings_dense_influencers (those with many lines). Readers take the rest from the ledger.
//  - earnings_unattributed_rollups: lines no influencer owned when rolled up, by hour of ingest (the digest lists
//    unregistered tracking IDs seen lately).
//  - earnings_rollup_state.horizon: every ledger entry with id <= horizon is in the rollups, none above it; readers
//    add the entries above it from the ledger itself, so results are always exact.
//  - earnings_rollup_candidates: id sequence values seen while transactions that had drawn ids were still open; one
//    becomes the horizon once all of them have ended (ids are drawn at insert, commits come later).
// Keys compare bytewise (COLLATE "C"): they are ASCII codes, and the refresh writes many rows.
// Also drops ledger_entries.superseded_at, which nothing sets: pending releases are appended as negative lines.
// No trigger or index on ledger_entries: ingest speed is untouched; a job refreshes the rollups after ingests.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE ledger_entries DROP COLUMN IF EXISTS superseded_at`.execute(db);

  await sql`CREATE TABLE earnings_rollups (
    grain text COLLATE "C" NOT NULL CHECK (grain IN ('hour', 'day', 'month', 'year', 'all')),
    bucket timestamptz NOT NULL,
    organisation_id bigint,
    tracking_id text COLLATE "C",
    influencer_id bigint,
    currency char(3) COLLATE "C" NOT NULL,
    lines bigint NOT NULL,
    confirmed_minor bigint NOT NULL,
    pending_minor bigint NOT NULL,
    reversed_minor bigint NOT NULL,
    bounty_minor bigint NOT NULL,
    earned_lines bigint NOT NULL,
    items_shipped bigint NOT NULL,
    items_reversed bigint NOT NULL,
    items_returned bigint NOT NULL,
    items_ordered bigint NOT NULL,
    order_lines bigint NOT NULL,
    CHECK ((organisation_id IS NULL) <> (tracking_id IS NULL) AND (organisation_id IS NULL OR influencer_id IS NULL)))`.execute(db);
  await sql`CREATE UNIQUE INDEX earnings_rollups_key ON earnings_rollups (organisation_id, tracking_id, influencer_id, grain, bucket, currency) NULLS NOT DISTINCT`.execute(db);
  await sql`CREATE INDEX earnings_rollups_influencer_idx ON earnings_rollups (influencer_id, grain, bucket) WHERE influencer_id IS NOT NULL`.execute(db);

  await sql`CREATE TABLE earnings_product_rollups (
    grain text COLLATE "C" NOT NULL CHECK (grain IN ('day', 'month', 'year', 'all')),
    bucket timestamptz NOT NULL,
    organisation_id bigint,
    influencer_id bigint,
    tracking_id text COLLATE "C",
    asin text COLLATE "C",
    link_id bigint,
    currency char(3) COLLATE "C" NOT NULL,
    product_name text,
    lines bigint NOT NULL,
    settled_minor bigint NOT NULL,
    pending_minor bigint NOT NULL,
    items bigint NOT NULL,
    items_shipped bigint NOT NULL,
    items_ordered bigint NOT NULL,
    order_lines bigint NOT NULL,
    CHECK ((organisation_id IS NOT NULL)::int + (influencer_id IS NOT NULL)::int + (tracking_id IS NOT NULL)::int = 1))`.execute(db);
  await sql`CREATE UNIQUE INDEX earnings_product_rollups_key ON earnings_product_rollups
              (organisation_id, influencer_id, tracking_id, grain, bucket, asin, link_id, currency) NULLS NOT DISTINCT`.execute(db);
  // An organisation's products in a bucket by amount, largest first (top products read only the first few), and the
  // rows of lines that came through a link (top links).
  await sql`CREATE INDEX earnings_product_rollups_rank_idx ON earnings_product_rollups (organisation_id, grain, bucket, (settled_minor + pending_minor) DESC)
              WHERE organisation_id IS NOT NULL AND link_id IS NULL AND asin IS NOT NULL`.execute(db);
  await sql`CREATE INDEX earnings_product_rollups_link_idx ON earnings_product_rollups (organisation_id, influencer_id, tracking_id, grain, bucket) WHERE link_id IS NOT NULL`.execute(db);
  // Which influencers sold a product in a bucket (the digest's "sold by N influencers").
  await sql`CREATE INDEX earnings_product_rollups_asin_idx ON earnings_product_rollups (asin, grain, bucket) WHERE influencer_id IS NOT NULL`.execute(db);

  // The planner would take (organisation, grain) as independent and expect far more rows than one organisation has.
  await sql`CREATE STATISTICS earnings_product_rollups_unit_stats (mcv) ON organisation_id, grain FROM earnings_product_rollups`.execute(db);
  // By tracking ID, hour of ingest (created_at), ingest, store and currency; the id range finds a row's lines again.
  await sql`CREATE TABLE earnings_unattributed_rollups (
    tracking_id text COLLATE "C" NOT NULL,
    bucket timestamptz NOT NULL,
    ingest_id uuid,
    marketplace text COLLATE "C" NOT NULL,
    currency char(3) COLLATE "C" NOT NULL,
    lines bigint NOT NULL,
    confirmed_minor bigint NOT NULL,
    pending_minor bigint NOT NULL,
    first_created timestamptz NOT NULL,
    last_created timestamptz NOT NULL,
    first_id bigint NOT NULL,
    last_id bigint NOT NULL)`.execute(db);
  await sql`CREATE UNIQUE INDEX earnings_unattributed_rollups_key ON earnings_unattributed_rollups (bucket, tracking_id, ingest_id, marketplace, currency) NULLS NOT DISTINCT`.execute(db);

  await sql`CREATE TABLE earnings_dense_influencers (
    influencer_id bigint PRIMARY KEY,
    since timestamptz NOT NULL DEFAULT now())`.execute(db);

  await sql`CREATE TABLE earnings_rollup_state (
    id smallint PRIMARY KEY CHECK (id = 1),
    horizon bigint NOT NULL,
    recent_from timestamptz NOT NULL,
    refreshed_at timestamptz)`.execute(db);
  await sql`INSERT INTO earnings_rollup_state (id, horizon, recent_from) VALUES (1, 0, '-infinity')`.execute(db);

  await sql`CREATE TABLE earnings_rollup_candidates (
    id bigserial PRIMARY KEY,
    sequence_value bigint NOT NULL,
    waiting_for text[] NOT NULL,
    noted_at timestamptz NOT NULL DEFAULT now())`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['earnings_rollup_candidates', 'earnings_rollup_state', 'earnings_dense_influencers', 'earnings_unattributed_rollups', 'earnings_product_rollups', 'earnings_rollups']) await db.schema.dropTable(t).ifExists().execute();
  await sql`ALTER TABLE ledger_entries ADD COLUMN IF NOT EXISTS superseded_at timestamptz`.execute(db);
}
