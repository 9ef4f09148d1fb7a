// Linked workspaces: a manager of an organisation issues a one-time code, a manager of a workspace on the other
// platform (a Discord server for a Slack code, a Slack workspace for a Discord code) redeems it, and that
// workspace is re-pointed at the issuing organisation. Codes are stored hashed, expire and work once; a
// workspace_links row is the record of each link made (who, from which organisation, when). Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspace_link_codes')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('identity_id', 'bigint', (c) => c.notNull().references('platform_identities.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('workspace_link_codes_identity_idx').on('workspace_link_codes').column('identity_id').execute();
  await db.schema.createIndex('workspace_link_codes_organisation_idx').on('workspace_link_codes').column('organisation_id').execute();

  await db.schema
    .createTable('workspace_links')
    .addColumn('platform', 'text', (c) => c.notNull().check(sql`platform in ('slack', 'discord')`))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    // The organisation the workspace left; removed when that left it empty, so no foreign key.
    .addColumn('previous_organisation_id', 'bigint')
    .addColumn('linked_by_identity_id', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    .addColumn('issued_by_identity_id', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('workspace_links_pk', ['platform', 'workspace_id'])
    .execute();
  await db.schema.createIndex('workspace_links_organisation_idx').on('workspace_links').column('organisation_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('workspace_links').ifExists().execute();
  await db.schema.dropTable('workspace_link_codes').ifExists().execute();
}
