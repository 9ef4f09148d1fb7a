// The product catalogue: what Amazon's Creators API says about a product, the influencer's own overrides per
// storefront item, and the API credentials (per organisation, sealed; or the operator's from the environment) with
// whether Amazon grants them access.
// - catalogue_entries: one row per product (marketplace + ASIN), overwritten on every fetch (no price history).
//   next_attempt_at is when the refresh may ask Amazon again (fresh data: ~23 h; an ASIN Amazon does not know: a day).
// - catalogue_credentials: key 'org:<id>' (sealed secret) or 'env' (the secret lives in the environment; the row only
//   keeps its access state). access 'none' (no recent qualifying sales) or 'refused' is a normal state with its
//   reason and when it may be tried again, so nothing hammers Amazon meanwhile.
// - storefront_items: the influencer's title, image URL and price for one item (note already existed).
// - ledger_entries: product names from reports are looked up per organisation, marketplace and ASIN.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('catalogue_entries')
    .addColumn('product_id', 'bigint', (c) => c.primaryKey().references('products.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending').check(sql`state in ('pending', 'ok', 'unknown_asin')`))
    .addColumn('title', 'text')
    .addColumn('brand', 'text')
    .addColumn('features', 'jsonb')
    .addColumn('image_url', 'text')
    .addColumn('price_minor', 'bigint')
    .addColumn('currency', 'text')
    .addColumn('availability', 'text')
    // When the API data above was fetched: it is never shown once 24 h older than this.
    .addColumn('fetched_at', 'timestamptz')
    .addColumn('fetched_with', 'text')
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX catalogue_entries_due_idx ON catalogue_entries (next_attempt_at)`.execute(db);

  await db.schema
    .createTable('catalogue_credentials')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'bigint', (c) => c.references('organisations.id').onDelete('cascade').unique())
    .addColumn('credential_id', 'text')
    .addColumn('credential_secret', 'text')
    .addColumn('version', 'text')
    .addColumn('partner_tag', 'text')
    .addColumn('access', 'text', (c) => c.notNull().defaultTo('unknown').check(sql`access in ('unknown', 'ok', 'none', 'refused')`))
    .addColumn('access_reason', 'text')
    .addColumn('access_since', 'timestamptz')
    .addColumn('retry_at', 'timestamptz')
    .addColumn('throttled_until', 'timestamptz')
    .addColumn('status_message', 'text')
    .addColumn('status_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('catalogue_credentials_key_check', sql`(key = 'env' AND organisation_id IS NULL) OR key = 'org:' || organisation_id`)
    .execute();

  await sql`ALTER TABLE storefront_items
    ADD COLUMN title_override text,
    ADD COLUMN image_url_override text,
    ADD COLUMN price_override_minor bigint,
    ADD COLUMN price_override_currency text,
    ADD COLUMN override_updated_at timestamptz`.execute(db);

  await sql`CREATE INDEX ledger_entries_product_name_idx ON ledger_entries (organisation_id, marketplace, asin) WHERE product_name IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS ledger_entries_product_name_idx`.execute(db);
  await sql`ALTER TABLE storefront_items
    DROP COLUMN IF EXISTS title_override,
    DROP COLUMN IF EXISTS image_url_override,
    DROP COLUMN IF EXISTS price_override_minor,
    DROP COLUMN IF EXISTS price_override_currency,
    DROP COLUMN IF EXISTS override_updated_at`.execute(db);
  await db.schema.dropTable('catalogue_credentials').ifExists().execute();
  await db.schema.dropTable('catalogue_entries').ifExists().execute();
}
