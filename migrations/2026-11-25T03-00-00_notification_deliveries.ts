// Delivery records for commission notifications and digests: a claim made before sending, marked sent
// after, so retries, crashes and a second worker never send a message twice. Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications_sent').ifExists().execute();
  await db.schema
    .createTable('notification_deliveries')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('commission', 'digest')`))
    .addColumn('influencer_id', 'bigint', (c) => c.references('influencers.id').onDelete('cascade'))
    .addColumn('subscription_id', 'bigint', (c) => c.references('digest_subscriptions.id').onDelete('cascade'))
    .addColumn('entry_from', 'bigint')
    .addColumn('entry_to', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('claimed').check(sql`status in ('claimed', 'sent', 'skipped', 'failed')`))
    .addColumn('platform', 'text')
    .addColumn('destination', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('message_id', 'text')
    .addColumn('error', 'text')
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('notification_deliveries_influencer_idx').on('notification_deliveries').columns(['influencer_id', 'claimed_at']).execute();
  // How far each influencer has been told about: ledger lines with a larger id are news.
  await db.schema
    .createTable('notification_cursors')
    .addColumn('influencer_id', 'bigint', (c) => c.primaryKey().references('influencers.id').onDelete('cascade'))
    .addColumn('last_entry_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_cursors').ifExists().execute();
  await db.schema.dropTable('notification_deliveries').ifExists().execute();
  await db.schema
    .createTable('notifications_sent')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('platform_message_id', 'text')
    .execute();
}
