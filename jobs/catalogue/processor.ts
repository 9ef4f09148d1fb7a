// Catalogue jobs: `catalogue-fill` fetches one product just added to a storefront (job id product-<id>, so repeated
// adds collapse), `catalogue-refresh` (a job scheduler, every few minutes) fetches the products that are due, in full
// batches within each credential's request budget. Both only ever write the catalogue; pages read it.
import { createHash } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import { CreatorsApiClient, type CreatorsCredential } from '../../src/domain/catalogue/creatorsApi.ts';
import { envCredential, type EnvCredentialConfig } from '../../src/domain/catalogue/credentials.ts';
import { fillProducts, refreshDue, type CatalogueFetchDeps, type ItemsApi } from '../../src/domain/catalogue/refresh.ts';
import { listingInfluencers } from '../../src/domain/catalogue/listingInfluencers.ts';
import { RequestBudget } from '../../src/domain/catalogue/requestBudget.ts';
import type { Logger } from '../../src/log.ts';
import type { QueuePayloads, Queues } from '../../src/queues.ts';
import { queueHealthNotices } from '../notify/catalogueNoticeProcessor.ts';
import type { SecretBox } from '../../src/secrets/secretBox.ts';

/** How often the refresh looks for due products, and how many GetItems calls one run may make (~1 a second). */
export const CATALOGUE_REFRESH_EVERY_MS = 5 * 60_000;
export const CATALOGUE_REFRESH_MAX_REQUESTS = 200;

export interface CatalogueJobConfig extends EnvCredentialConfig {
  AMAZON_CREATORS_API_URL?: string | undefined;
  AMAZON_CREATORS_REQUESTS_PER_SECOND?: number | undefined;
}

/** The fetch dependencies of one worker process: its request budget and one API client (token cache) per credential. */
export function catalogueFetchDeps(deps: {
  db: Db;
  box: SecretBox;
  config: CatalogueJobConfig;
  log?: Logger | undefined;
  budget?: RequestBudget;
  now?: () => Date;
}): CatalogueFetchDeps {
  const clients = new Map<string, ItemsApi>();
  const apiUrl = deps.config.AMAZON_CREATORS_API_URL;
  const clientFor = (c: CreatorsCredential): ItemsApi => {
    // New credentials (a new secret or version) get a new client, hence a new token.
    const id = createHash('sha256').update(`${c.key}\0${c.credentialId}\0${c.credentialSecret}\0${c.version}\0${c.partnerTag}`).digest('hex');
    let client = clients.get(id);
    if (!client) clients.set(id, (client = new CreatorsApiClient(c, { apiUrl, ...(deps.now ? { now: () => deps.now!().getTime() } : {}) })));
    return client;
  };
  return {
    db: deps.db,
    box: deps.box,
    env: envCredential(deps.config),
    clientFor,
    budget: deps.budget ?? new RequestBudget({ baseIntervalMs: 1000 / (deps.config.AMAZON_CREATORS_REQUESTS_PER_SECOND ?? 1) }),
    now: deps.now,
    log: deps.log,
  };
}

// After a run, each influencer with products that stopped being buyable gets one notice (link health); without a
// notice queue (a bare script) the alerts wait for the next run that has one.
export function catalogueFillProcessor(deps: CatalogueFetchDeps, notices?: Queues['catalogue-notice']) {
  return async (job: Job<QueuePayloads['catalogue-fill']>) => {
    const report = await fillProducts(deps, [job.data.productId]);
    // Only the influencers listing this product: a fill is not the moment to tell anyone else.
    if (notices) await queueHealthNotices(deps.db, notices, { influencerIds: await listingInfluencers(deps.db, job.data.productId) });
    return report;
  };
}

export function catalogueRefreshProcessor(deps: CatalogueFetchDeps, maxRequests = CATALOGUE_REFRESH_MAX_REQUESTS, notices?: Queues['catalogue-notice']) {
  return async () => {
    const report = await refreshDue(deps, { maxRequests });
    if (notices) await queueHealthNotices(deps.db, notices);
    return report;
  };
}

/** The job id of a product's fill: one per product while it is waiting or running. */
export const catalogueFillJobId = (productId: number) => `product-${productId}`;
