// Link health: whether Amazon still sells each catalogue product (available, out of stock, unavailable), the
// influencers to tell when one of their products stops being buyable, and 'catalogue' as a notification kind.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('catalogue_entries')
    .addColumn('health', 'text', (c) => c.check(sql`health in ('available', 'out_of_stock', 'unavailable')`))
    .addColumn('health_changed_at', 'timestamptz')
    .execute();
  // One row per influencer and product that became unbuyable; notice_key is the notification that told them.
  await db.schema
    .createTable('catalogue_health_alerts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('influencer_id', 'bigint', (c) => c.notNull().references('influencers.id').onDelete('cascade'))
    .addColumn('product_id', 'bigint', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('health', 'text', (c) => c.notNull().check(sql`health in ('out_of_stock', 'unavailable')`))
    .addColumn('notice_key', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX catalogue_health_alerts_pending_idx ON catalogue_health_alerts (influencer_id, id) WHERE notice_key IS NULL`.execute(db);
  await sql`CREATE INDEX catalogue_health_alerts_key_idx ON catalogue_health_alerts (notice_key) WHERE notice_key IS NOT NULL`.execute(db);
  await sql`ALTER TABLE notification_deliveries DROP CONSTRAINT IF EXISTS notification_deliveries_kind_check`.execute(db);
  await sql`ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_kind_check CHECK (kind in ('commission', 'digest', 'catalogue'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM notification_deliveries WHERE kind = 'catalogue'`.execute(db);
  await sql`ALTER TABLE notification_deliveries DROP CONSTRAINT IF EXISTS notification_deliveries_kind_check`.execute(db);
  await sql`ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_kind_check CHECK (kind in ('commission', 'digest'))`.execute(db);
  await db.schema.dropTable('catalogue_health_alerts').ifExists().execute();
  await db.schema.alterTable('catalogue_entries').dropColumn('health_changed_at').dropColumn('health').execute();
}
