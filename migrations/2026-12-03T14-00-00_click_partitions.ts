// Clicks at creator scale.
//  - clicks becomes a table partitioned by month of clicked_at (UTC months, clicks_pYYYY_MM), plus clicks_default so
//    an insert never fails for want of a partition. A partition is dropped whole once it is older than the retention,
//    so old clicks cost neither a DELETE nor bloat. The primary key has to include the partition key: (id,
//    clicked_at); nothing references clicks, and ids still come from clicks_id_seq alone, so they stay unique.
//    Existing rows are moved under an exclusive lock (writers wait, then retry their batch), names swapped.
//  - click_rollups: exact click counts per UTC bucket (hour, day, month, year, all time) for an influencer (all kinds,
//    link_id null) and for each link (unique clicks only: the ranked and listed figure). Hour rows also count the
//    clicks of the first 15, 30 and 45 minutes (_q1.._q3), so a local midnight in any zone in use (offsets are whole
//    quarter hours: +5:30, +5:45, +12:45) splits an hour row exactly, even after the raw clicks are gone.
//  - click_rollup_state.horizon / click_rollup_candidates: as for the earnings rollups, every click with id <= horizon
//    is in the rollups and none above it; readers take the rest from clicks.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

const MONTHS_AHEAD = 2;
const name = (monthStart: Date) => `clicks_p${monthStart.toISOString().slice(0, 7).replace('-', '_')}`;
const addMonths = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));

async function partitionsFor(db: Kysely<any>, table: string): Promise<void> {
  const span = await sql<{ lo: Date | null }>`SELECT min(clicked_at) AS lo FROM clicks`.execute(db);
  const now = new Date();
  const first = addMonths(span.rows[0]?.lo ?? now, 0);
  const last = addMonths(now, MONTHS_AHEAD);
  for (let m = first; m <= last; m = addMonths(m, 1)) {
    await sql`CREATE TABLE ${sql.id(name(m))} PARTITION OF ${sql.id(table)} FOR VALUES FROM (${sql.lit(m.toISOString())}) TO (${sql.lit(addMonths(m, 1).toISOString())})`.execute(db);
  }
  await sql`CREATE TABLE clicks_default PARTITION OF ${sql.id(table)} DEFAULT`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await sql`LOCK TABLE clicks IN ACCESS EXCLUSIVE MODE`.execute(db);
  await sql`CREATE TABLE clicks_partitioned (LIKE clicks INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (clicked_at)`.execute(db);
  await sql`ALTER TABLE clicks_partitioned ADD CONSTRAINT clicks_partitioned_pkey PRIMARY KEY (id, clicked_at)`.execute(db);
  await sql`ALTER TABLE clicks_partitioned ADD CONSTRAINT clicks_partitioned_link_fkey FOREIGN KEY (link_id) REFERENCES links(id) ON DELETE CASCADE`.execute(db);
  await partitionsFor(db, 'clicks_partitioned');
  await sql`INSERT INTO clicks_partitioned SELECT * FROM clicks`.execute(db);
  await sql`ALTER SEQUENCE clicks_id_seq OWNED BY clicks_partitioned.id`.execute(db);
  await sql`DROP TABLE clicks`.execute(db);
  await sql`ALTER TABLE clicks_partitioned RENAME TO clicks`.execute(db);
  await sql`ALTER TABLE clicks RENAME CONSTRAINT clicks_partitioned_pkey TO clicks_pkey`.execute(db);
  await sql`ALTER TABLE clicks RENAME CONSTRAINT clicks_partitioned_link_fkey TO clicks_link_id_fkey`.execute(db);
  // A link's clicks in a time range (the partial hours readers take raw); the time BRIN for scans by time alone.
  await sql`CREATE INDEX clicks_link_time_idx ON clicks (link_id, clicked_at)`.execute(db);
  await sql`CREATE INDEX clicks_time_brin ON clicks USING brin (clicked_at)`.execute(db);

  await sql`CREATE TABLE click_rollups (
    grain text COLLATE "C" NOT NULL CHECK (grain IN ('hour', 'day', 'month', 'year', 'all')),
    bucket timestamptz NOT NULL,
    influencer_id bigint NOT NULL,
    link_id bigint,
    clicks bigint NOT NULL, repeats bigint NOT NULL, previews bigint NOT NULL, bots bigint NOT NULL,
    clicks_q1 bigint NOT NULL, clicks_q2 bigint NOT NULL, clicks_q3 bigint NOT NULL,
    repeats_q1 bigint NOT NULL, repeats_q2 bigint NOT NULL, repeats_q3 bigint NOT NULL,
    previews_q1 bigint NOT NULL, previews_q2 bigint NOT NULL, previews_q3 bigint NOT NULL,
    bots_q1 bigint NOT NULL, bots_q2 bigint NOT NULL, bots_q3 bigint NOT NULL)`.execute(db);
  await sql`CREATE UNIQUE INDEX click_rollups_key ON click_rollups (influencer_id, grain, bucket, link_id) NULLS NOT DISTINCT`.execute(db);
  // Link rows of some influencers in some buckets (top links), without walking their influencer rows.
  await sql`CREATE INDEX click_rollups_link_idx ON click_rollups (influencer_id, grain, bucket) INCLUDE (link_id, clicks) WHERE link_id IS NOT NULL`.execute(db);

  await sql`CREATE TABLE click_rollup_state (
    id smallint PRIMARY KEY CHECK (id = 1),
    horizon bigint NOT NULL,
    refreshed_at timestamptz)`.execute(db);
  // Whatever clicks exist now are above horizon 0: the first refresh rolls them up.
  await sql`INSERT INTO click_rollup_state (id, horizon) VALUES (1, 0)`.execute(db);
  await sql`CREATE TABLE click_rollup_candidates (
    id bigserial PRIMARY KEY,
    sequence_value bigint NOT NULL,
    waiting_for text[] NOT NULL,
    noted_at timestamptz NOT NULL DEFAULT now())`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['click_rollup_candidates', 'click_rollup_state', 'click_rollups']) await db.schema.dropTable(t).ifExists().execute();
  await sql`LOCK TABLE clicks IN ACCESS EXCLUSIVE MODE`.execute(db);
  await sql`CREATE TABLE clicks_plain (LIKE clicks INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(db);
  await sql`INSERT INTO clicks_plain SELECT * FROM clicks`.execute(db);
  await sql`ALTER SEQUENCE clicks_id_seq OWNED BY clicks_plain.id`.execute(db);
  await sql`DROP TABLE clicks CASCADE`.execute(db);
  await sql`ALTER TABLE clicks_plain RENAME TO clicks`.execute(db);
  await sql`ALTER TABLE clicks ADD CONSTRAINT clicks_pkey PRIMARY KEY (id)`.execute(db);
  await sql`ALTER TABLE clicks ADD CONSTRAINT clicks_link_id_fkey FOREIGN KEY (link_id) REFERENCES links(id) ON DELETE CASCADE`.execute(db);
  await sql`CREATE INDEX clicks_link_time_idx ON clicks (link_id, clicked_at)`.execute(db);
  await sql`CREATE INDEX clicks_time_brin ON clicks USING brin (clicked_at)`.execute(db);
}
