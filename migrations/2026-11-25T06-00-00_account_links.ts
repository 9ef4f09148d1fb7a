// Linked chat accounts: an identity that redeemed a one-time code from another account (say Discord from
// Slack) acts as that account's influencer, even from a workspace of another organisation. The row is the
// proof of that link; an identity's influencer_id alone never reaches across organisations. Also an index
// for finding a Discord user's identities from a DM, where no guild is known. Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_links')
    .addColumn('identity_id', 'bigint', (c) => c.primaryKey().references('platform_identities.id').onDelete('cascade'))
    .addColumn('influencer_id', 'bigint', (c) => c.notNull().references('influencers.id').onDelete('cascade'))
    .addColumn('issued_by_identity_id', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('account_links_influencer_idx').on('account_links').column('influencer_id').execute();
  await db.schema.createIndex('platform_identities_platform_user_idx').on('platform_identities').columns(['platform', 'user_id']).execute();
  await db.schema.createIndex('account_link_codes_identity_idx').on('account_link_codes').column('identity_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('account_link_codes_identity_idx').ifExists().execute();
  await db.schema.dropIndex('platform_identities_platform_user_idx').ifExists().execute();
  await db.schema.dropTable('account_links').ifExists().execute();
}
