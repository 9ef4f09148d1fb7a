// The single Database interface that every query is typed against.
import type {
  AccountLinkCodesTable,
  AccountLinksTable,
  DiscordGuildsTable,
  OrganisationsTable,
  PlatformIdentitiesTable,
  SlackWorkspacesTable,
} from './tables/organisations.table.ts';
import type { InfluencersTable, TrackingIdsTable } from './tables/influencers.table.ts';
import type { TrackingIdClaimsTable } from './tables/trackingIdClaims.table.ts';
import type { InfluencerInvitesTable } from './tables/invites.table.ts';
import type { ProductsTable, StorefrontItemsTable, StorefrontListsTable, StorefrontsTable } from './tables/storefronts.table.ts';
import type { ClickBatchesTable, ClicksTable, LinksTable } from './tables/links.table.ts';
import type {
  ClickFineMonthsTable,
  ClickOrgRollupsTable,
  ClickRollupCandidatesTable,
  ClickOrganisationFillTable,
  ClickRollupStateTable,
  ClickRollupsTable,
} from './tables/clickRollups.table.ts';
import type { FeedIngestsTable, FeedSourcesTable, FeedTokensTable } from './tables/feeds.table.ts';
import type { CategoryMappingsTable, LedgerEntriesTable, RateCardsTable } from './tables/ledger.table.ts';
import type {
  EarningsDenseInfluencersTable,
  EarningsProductRollupsTable,
  EarningsRollupCandidatesTable,
  EarningsRollupStateTable,
  EarningsRollupsTable,
  EarningsUnattributedRollupsTable,
} from './tables/earnings.table.ts';
import type {
  DigestSubscriptionsTable,
  NotificationCursorsTable,
  NotificationDeliveriesTable,
  NotificationPreferencesTable,
} from './tables/notifications.table.ts';
import type { WorkspaceLinkCodesTable, WorkspaceLinksTable } from './tables/workspaceLinks.table.ts';
import type { CatalogueCredentialsTable, CatalogueEntriesTable, CatalogueHealthAlertsTable } from './tables/catalogue.table.ts';

export interface Database {
  organisations: OrganisationsTable;
  slack_workspaces: SlackWorkspacesTable;
  discord_guilds: DiscordGuildsTable;
  platform_identities: PlatformIdentitiesTable;
  account_link_codes: AccountLinkCodesTable;
  account_links: AccountLinksTable;
  influencers: InfluencersTable;
  tracking_ids: TrackingIdsTable;
  tracking_id_claims: TrackingIdClaimsTable;
  influencer_invites: InfluencerInvitesTable;
  storefronts: StorefrontsTable;
  storefront_lists: StorefrontListsTable;
  products: ProductsTable;
  storefront_items: StorefrontItemsTable;
  links: LinksTable;
  clicks: ClicksTable;
  click_batches: ClickBatchesTable;
  click_rollups: ClickRollupsTable;
  click_rollup_state: ClickRollupStateTable;
  click_organisation_fill: ClickOrganisationFillTable;
  click_rollup_candidates: ClickRollupCandidatesTable;
  click_org_rollups: ClickOrgRollupsTable;
  click_fine_months: ClickFineMonthsTable;
  feed_sources: FeedSourcesTable;
  feed_ingests: FeedIngestsTable;
  feed_tokens: FeedTokensTable;
  ledger_entries: LedgerEntriesTable;
  rate_cards: RateCardsTable;
  category_mappings: CategoryMappingsTable;
  earnings_rollups: EarningsRollupsTable;
  earnings_product_rollups: EarningsProductRollupsTable;
  earnings_rollup_state: EarningsRollupStateTable;
  earnings_rollup_candidates: EarningsRollupCandidatesTable;
  earnings_dense_influencers: EarningsDenseInfluencersTable;
  earnings_unattributed_rollups: EarningsUnattributedRollupsTable;
  notification_preferences: NotificationPreferencesTable;
  digest_subscriptions: DigestSubscriptionsTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_cursors: NotificationCursorsTable;
  workspace_link_codes: WorkspaceLinkCodesTable;
  workspace_links: WorkspaceLinksTable;
  catalogue_entries: CatalogueEntriesTable;
  catalogue_credentials: CatalogueCredentialsTable;
  catalogue_health_alerts: CatalogueHealthAlertsTable;
}

export type * from './tables/organisations.table.ts';
export type * from './tables/influencers.table.ts';
export type * from './tables/trackingIdClaims.table.ts';
export type * from './tables/storefronts.table.ts';
export type * from './tables/links.table.ts';
export type * from './tables/clickRollups.table.ts';
export type * from './tables/feeds.table.ts';
export type * from './tables/ledger.table.ts';
export type * from './tables/earnings.table.ts';
export type * from './tables/notifications.table.ts';
export type * from './tables/workspaceLinks.table.ts';
export type * from './tables/catalogue.table.ts';
