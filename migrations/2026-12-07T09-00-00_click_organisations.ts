// Clicks and click rollups carry their organisation, like the ledger and the earnings rollups: the key a sharded
// Postgres (Citus) would distribute them by, so one organisation's clicks, rollups and ledger sit on one node (see
// ARCHITECTURE.md). A link's organisation is its influencer's, which never changes.
//  - Writers fill it (the click buffer from the link, the rollup refresh from the influencer). A row inserted without
//    it (a web process of the previous release still running during a deploy, a hand-written insert) is filled by a
//    BEFORE INSERT trigger that fires only then (its WHEN test costs nothing to rows that carry it).
//  - Rows already there are filled after the migration in small batches by the click-partitions job, up to the ids
//    and influencers noted here (click_organisation_fill), so the migration itself takes no time whatever the table
//    size: filling 1M clicks in one UPDATE here took 39 s while holding the exclusive lock that ADD COLUMN takes,
//    and every click write would have waited behind it. The columns stay nullable until that fill is done.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE clicks ADD COLUMN organisation_id bigint`.execute(db);
  await sql`ALTER TABLE click_rollups ADD COLUMN organisation_id bigint`.execute(db);
  await sql`CREATE FUNCTION click_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      SELECT i.organisation_id INTO NEW.organisation_id FROM links k JOIN influencers i ON i.id = k.influencer_id WHERE k.id = NEW.link_id;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER clicks_organisation BEFORE INSERT ON clicks FOR EACH ROW WHEN (NEW.organisation_id IS NULL)
            EXECUTE FUNCTION click_organisation()`.execute(db);
  await sql`CREATE FUNCTION click_rollup_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      SELECT i.organisation_id INTO NEW.organisation_id FROM influencers i WHERE i.id = NEW.influencer_id;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER click_rollups_organisation BEFORE INSERT ON click_rollups FOR EACH ROW WHEN (NEW.organisation_id IS NULL)
            EXECUTE FUNCTION click_rollup_organisation()`.execute(db);
  // What the fill has left: click ids in (next_click_id, last_click_id], influencers in (next_influencer_id, last_influencer_id].
  await sql`CREATE TABLE click_organisation_fill (
    id smallint PRIMARY KEY CHECK (id = 1),
    next_click_id bigint NOT NULL,
    last_click_id bigint NOT NULL,
    next_influencer_id bigint NOT NULL,
    last_influencer_id bigint NOT NULL,
    done_at timestamptz)`.execute(db);
  await sql`INSERT INTO click_organisation_fill
            SELECT 1, 0, coalesce((SELECT max(id) FROM clicks), 0), 0, coalesce((SELECT max(id) FROM influencers), 0),
                   CASE WHEN EXISTS (SELECT 1 FROM clicks) OR EXISTS (SELECT 1 FROM click_rollups) THEN NULL ELSE now() END`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE click_organisation_fill`.execute(db);
  await sql`DROP TRIGGER click_rollups_organisation ON click_rollups`.execute(db);
  await sql`DROP FUNCTION click_rollup_organisation()`.execute(db);
  await sql`DROP TRIGGER clicks_organisation ON clicks`.execute(db);
  await sql`DROP FUNCTION click_organisation()`.execute(db);
  await sql`ALTER TABLE click_rollups DROP COLUMN organisation_id`.execute(db);
  await sql`ALTER TABLE clicks DROP COLUMN organisation_id`.execute(db);
}
