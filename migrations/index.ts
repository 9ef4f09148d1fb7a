// Every migration, by name. Listed statically so migrations load the same way under tsx, vitest and the CLI.
import type { Migration } from 'kysely';
import * as initialSchema from './2026-11-25T00-00-00_initial_schema.ts';
import * as ledgerIngest from './2026-11-25T01-00-00_ledger_ingest.ts';
import * as notificationDeliveries from './2026-11-25T03-00-00_notification_deliveries.ts';
import * as accountLinks from './2026-11-25T06-00-00_account_links.ts';
import * as ledgerInsertIndexes from './2026-11-25T08-00-00_ledger_insert_indexes.ts';
import * as ledgerBulkInsert from './2026-11-25T09-00-00_ledger_bulk_insert.ts';
import * as ingestOutcome from './2026-11-25T11-00-00_ingest_outcome.ts';
import * as earningsRollups from './2026-11-25T10-00-00_earnings_rollups.ts';
import * as workspaceLinks from './2026-11-25T13-00-00_workspace_links.ts';
import * as organisationOwnership from './2026-12-03T08-00-00_organisation_ownership.ts';
import * as trackingIdClaims from './2026-12-03T12-00-00_tracking_id_claims.ts';
import * as clickPartitions from './2026-12-03T14-00-00_click_partitions.ts';
import * as clickOrgRollups from './2026-12-04T09-00-00_click_org_rollups.ts';
import * as productCatalogue from './2026-12-03T15-00-00_product_catalogue.ts';
import * as influencerInvites from './2026-12-03T16-00-00_influencer_invites.ts';
import * as digestStartDate from './2026-12-03T16-30-00_digest_start_date.ts';
import * as catalogueLinkHealth from './2026-12-05T10-00-00_catalogue_link_health.ts';
import * as clickBatches from './2026-12-06T09-00-00_click_batches.ts';
import * as clickOrganisations from './2026-12-07T09-00-00_click_organisations.ts';
import * as clickLinkRanking from './2026-12-08T09-00-00_click_link_ranking.ts';

export const migrations: Record<string, Migration> = {
  '2026-11-25T00-00-00_initial_schema': initialSchema,
  '2026-11-25T01-00-00_ledger_ingest': ledgerIngest,
  '2026-11-25T03-00-00_notification_deliveries': notificationDeliveries,
  '2026-11-25T06-00-00_account_links': accountLinks,
  '2026-11-25T08-00-00_ledger_insert_indexes': ledgerInsertIndexes,
  '2026-11-25T09-00-00_ledger_bulk_insert': ledgerBulkInsert,
  '2026-11-25T10-00-00_earnings_rollups': earningsRollups,
  '2026-11-25T11-00-00_ingest_outcome': ingestOutcome,
  '2026-11-25T13-00-00_workspace_links': workspaceLinks,
  '2026-12-03T08-00-00_organisation_ownership': organisationOwnership,
  '2026-12-03T12-00-00_tracking_id_claims': trackingIdClaims,
  '2026-12-03T14-00-00_click_partitions': clickPartitions,
  '2026-12-03T15-00-00_product_catalogue': productCatalogue,
  '2026-12-03T16-00-00_influencer_invites': influencerInvites,
  '2026-12-03T16-30-00_digest_start_date': digestStartDate,
  '2026-12-04T09-00-00_click_org_rollups': clickOrgRollups,
  '2026-12-05T10-00-00_catalogue_link_health': catalogueLinkHealth,
  '2026-12-06T09-00-00_click_batches': clickBatches,
  '2026-12-07T09-00-00_click_organisations': clickOrganisations,
  '2026-12-08T09-00-00_click_link_ranking': clickLinkRanking,
};
