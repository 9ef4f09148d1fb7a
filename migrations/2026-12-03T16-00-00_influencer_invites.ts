// Invites: the operator (CLI) or a manager (chat) creates a storefront and hands its real owner a one-time code,
// which they redeem from Slack or Discord to own that storefront with its tracking IDs and history. A code is stored
// hashed, lasts 7 days, works once, and only inside the storefront's organisation; `for_user_id` binds it to one
// chat user when a manager named them.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('influencer_invites')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('influencer_id', 'bigint', (c) => c.notNull().references('influencers.id').onDelete('cascade'))
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('issued_by_identity_id', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    .addColumn('for_platform', 'text')
    .addColumn('for_user_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('used_by_identity_id', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    .addCheckConstraint('influencer_invites_for_check', sql`(for_platform IS NULL) = (for_user_id IS NULL)`)
    .execute();
  await db.schema.createIndex('influencer_invites_influencer_idx').on('influencer_invites').column('influencer_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('influencer_invites').ifExists().execute();
}
