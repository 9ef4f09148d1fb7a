// The whole product's schema, designed up front so later features extend rather than reshape it.
// Frozen in time: never import from src.
import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS citext`.execute(db);

  // Organisations own influencers and are reached through Slack workspaces and Discord guilds.
  await db.schema
    .createTable('organisations')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('slack_workspaces')
    .addColumn('team_id', 'text', (c) => c.primaryKey())
    .addColumn('enterprise_id', 'text')
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('name', 'text')
    .addColumn('bot_user_id', 'text')
    .addColumn('bot_token', 'text')
    .addColumn('installation', 'jsonb')
    .addColumn('installed_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('discord_guilds')
    .addColumn('guild_id', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('name', 'text')
    .addColumn('gateway_channel_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('influencers')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('handle', sql`citext`, (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('bio', 'text')
    .addColumn('avatar_url', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('influencers_org_idx').on('influencers').column('organisation_id').execute();

  // A chat user in a workspace/guild (workspace_id '' for Discord DMs), mapped to an organisation and optionally an influencer.
  await db.schema
    .createTable('platform_identities')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('platform', 'text', (c) => c.notNull().check(sql`platform in ('slack', 'discord')`))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('organisation_id', 'bigint', (c) => c.references('organisations.id').onDelete('cascade'))
    .addColumn('influencer_id', 'bigint', (c) => c.references('influencers.id').onDelete('set null'))
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('member').check(sql`role in ('member', 'manager')`))
    .addColumn('role_granted_by', 'bigint', (c) => c.references('platform_identities.id').onDelete('set null'))
    .addColumn('display_name', 'text')
    .addColumn('timezone', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('platform_identities_unique', ['platform', 'workspace_id', 'user_id'])
    .execute();
  await db.schema.createIndex('platform_identities_influencer_idx').on('platform_identities').column('influencer_id').execute();

  await db.schema
    .createTable('account_link_codes')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('identity_id', 'bigint', (c) => c.notNull().references('platform_identities.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();

  // Tracking IDs belong to one Associates account, so they are unique across the service.
  await db.schema
    .createTable('tracking_ids')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('tracking_id', 'text', (c) => c.notNull().unique())
    .addColumn('marketplace', 'text', (c) => c.notNull())
    .addColumn('influencer_id', 'bigint', (c) => c.notNull().references('influencers.id').onDelete('cascade'))
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await sql`CREATE UNIQUE INDEX tracking_ids_default_per_marketplace ON tracking_ids (influencer_id, marketplace) WHERE is_default`.execute(db);

  await db.schema
    .createTable('storefronts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('influencer_id', 'bigint', (c) => c.notNull().unique().references('influencers.id').onDelete('cascade'))
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('storefront_lists')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('storefront_id', 'bigint', (c) => c.notNull().references('storefronts.id').onDelete('cascade'))
    .addColumn('name', sql`citext`, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('storefront_lists_unique_name', ['storefront_id', 'name'])
    .execute();

  await db.schema
    .createTable('products')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('marketplace', 'text', (c) => c.notNull())
    .addColumn('asin', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('image_url', 'text')
    .addColumn('category', 'text')
    .addColumn('price_minor', 'bigint')
    .addColumn('currency', 'char(3)')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('products_marketplace_asin', ['marketplace', 'asin'])
    .execute();

  await db.schema
    .createTable('storefront_items')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('storefront_id', 'bigint', (c) => c.notNull().references('storefronts.id').onDelete('cascade'))
    .addColumn('list_id', 'bigint', (c) => c.notNull().references('storefront_lists.id').onDelete('cascade'))
    .addColumn('product_id', 'bigint', (c) => c.notNull().references('products.id'))
    .addColumn('note', 'text')
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('storefront_items_unique', ['list_id', 'product_id'])
    .execute();
  await db.schema.createIndex('storefront_items_storefront_idx').on('storefront_items').columns(['storefront_id', 'product_id']).execute();

  // One link per influencer + product + campaign; the destination is built by the server and stored.
  await db.schema
    .createTable('links')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('influencer_id', 'bigint', (c) => c.notNull().references('influencers.id').onDelete('cascade'))
    .addColumn('product_id', 'bigint', (c) => c.notNull().references('products.id'))
    .addColumn('tracking_id_id', 'bigint', (c) => c.notNull().references('tracking_ids.id'))
    .addColumn('campaign', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('destination_url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('disabled_at', 'timestamptz')
    .addUniqueConstraint('links_unique_per_campaign', ['influencer_id', 'product_id', 'campaign'])
    .execute();

  await db.schema
    .createTable('clicks')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('link_id', 'bigint', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('clicked_at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('click', 'repeat', 'preview', 'bot')`))
    .addColumn('referrer_host', 'text')
    .addColumn('device', 'text', (c) => c.notNull().check(sql`device in ('mobile', 'tablet', 'desktop', 'unknown')`))
    .addColumn('country', 'char(2)')
    .addColumn('visitor_hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('clicks_link_time_idx').on('clicks').columns(['link_id', 'clicked_at']).execute();
  await sql`CREATE INDEX clicks_time_brin ON clicks USING brin (clicked_at)`.execute(db);

  // Feeds: sources polled on a schedule, and every ingest of a report file.
  await db.schema
    .createTable('feed_sources')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('organisation_id', 'bigint', (c) => c.references('organisations.id').onDelete('cascade'))
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('marketplace', 'text')
    .addColumn('headers', 'jsonb')
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('last_polled_at', 'timestamptz')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('feed_ingests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('api', 'cli', 'poll')`))
    .addColumn('feed_source_id', 'bigint', (c) => c.references('feed_sources.id').onDelete('set null'))
    .addColumn('marketplace', 'text')
    .addColumn('file_name', 'text')
    .addColumn('file_path', 'text')
    .addColumn('file_sha256', 'text')
    .addColumn('byte_size', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'running', 'succeeded', 'failed')`))
    .addColumn('error', 'text')
    .addColumn('counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('row_errors', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('reports', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();

  // The append-only commission ledger, in integer minor units with a currency.
  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('ingest_id', 'uuid', (c) => c.references('feed_ingests.id').onDelete('set null'))
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('line_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('pending', 'confirmed', 'reversal', 'bounty')`))
    .addColumn('tracking_id', 'text', (c) => c.notNull())
    .addColumn('influencer_id', 'bigint', (c) => c.references('influencers.id').onDelete('set null'))
    .addColumn('marketplace', 'text', (c) => c.notNull())
    .addColumn('asin', 'text')
    .addColumn('product_name', 'text')
    .addColumn('category', 'text')
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revenue_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'char(3)', (c) => c.notNull())
    .addColumn('link_id', 'bigint', (c) => c.references('links.id').onDelete('set null'))
    .addColumn('reverses_entry_id', 'bigint', (c) => c.references('ledger_entries.id'))
    .addColumn('superseded_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await sql`CREATE UNIQUE INDEX ledger_entries_line_key ON ledger_entries (network, line_key, kind)`.execute(db);
  await db.schema.createIndex('ledger_entries_influencer_time_idx').on('ledger_entries').columns(['influencer_id', 'occurred_at']).execute();
  await db.schema.createIndex('ledger_entries_tracking_idx').on('ledger_entries').columns(['tracking_id', 'occurred_at']).execute();

  // Commission rates per marketplace and category, with effective periods (rate in basis points: 450 = 4.5%).
  await db.schema
    .createTable('rate_cards')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('marketplace', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('rate_bp', 'integer', (c) => c.notNull().check(sql`rate_bp between 0 and 10000`))
    .addColumn('effective_from', 'date', (c) => c.notNull())
    .addColumn('effective_to', 'date')
    .addUniqueConstraint('rate_cards_unique', ['marketplace', 'category', 'effective_from'])
    .execute();
  await db.schema
    .createTable('category_mappings')
    .addColumn('marketplace', 'text', (c) => c.notNull())
    .addColumn('report_category', sql`citext`, (c) => c.notNull())
    .addColumn('rate_category', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('category_mappings_pk', ['marketplace', 'report_category'])
    .execute();

  await db.schema
    .createTable('notification_preferences')
    .addColumn('influencer_id', 'bigint', (c) => c.primaryKey().references('influencers.id').onDelete('cascade'))
    .addColumn('destination', 'text', (c) => c.notNull().defaultTo('dm').check(sql`destination in ('dm', 'channel', 'off')`))
    .addColumn('platform', 'text', (c) => c.check(sql`platform in ('slack', 'discord')`))
    .addColumn('workspace_id', 'text')
    .addColumn('channel_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('broken_at', 'timestamptz')
    .addColumn('broken_reason', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('digest_subscriptions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('identity_id', 'bigint', (c) => c.notNull().unique().references('platform_identities.id').onDelete('cascade'))
    .addColumn('channel_id', 'text')
    .addColumn('local_time', 'text', (c) => c.notNull().defaultTo('09:00'))
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('last_sent_local_date', 'date')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('notifications_sent')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('platform_message_id', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'notifications_sent', 'digest_subscriptions', 'notification_preferences', 'category_mappings', 'rate_cards',
    'ledger_entries', 'feed_ingests', 'feed_sources', 'clicks', 'links', 'storefront_items', 'products',
    'storefront_lists', 'storefronts', 'tracking_ids', 'account_link_codes', 'platform_identities', 'influencers',
    'discord_guilds', 'slack_workspaces', 'organisations',
  ]) {
    await db.schema.dropTable(table).ifExists().cascade().execute();
  }
}
