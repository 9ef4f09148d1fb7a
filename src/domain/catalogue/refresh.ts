// Fetching product data from the Creators API into the catalogue. Never on a follower's request: the catalogue jobs
// (jobs/catalogue) call these, and pages only read what is stored.
// - fillProducts: products just added to a storefront, at once (one GetItems call each, or fewer when batched);
// - refreshDue: products whose data is due (fetched over ~23 h ago, never fetched, or their retry time reached),
//   grouped per credential and marketplace into full batches of 10, within a request cap per run.
// Products are fetched with the credential of an organisation whose influencer lists them, else the operator's.
// A failure leaves every stored row as it was (only its retry time and last error move) and one status line on the
// credential; a credential that failed is not used again in the same run.
import { sql, type Insertable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { CatalogueEntriesTable } from '../../db/schema.ts';
import type { Logger } from '../../log.ts';
import type { SecretBox } from '../../secrets/secretBox.ts';
import { CreatorsApiError, credentialServes, MAX_ITEMS_PER_REQUEST, type CreatorsCredential, type GetItemsResult } from './creatorsApi.ts';
import { recordCredentialOutcome, usableCredentials } from './credentials.ts';
import { REFRESH_AFTER_MS, UNKNOWN_ASIN_RETRY_MS } from './displayRules.ts';
import { healthOf, recordHealth } from './linkHealth.ts';
import type { RequestBudget } from './requestBudget.ts';

/** After a junk answer or a timeout, the batch's products wait this long before they are asked about again. */
export const FAILED_RETRY_MS = 15 * 60_000;
/** Products with no usable credential are looked at again after this (new credentials reset it). */
export const NO_CREDENTIAL_RETRY_MS = 60 * 60_000;
/** A 429 is retried in the same run this many times, when Amazon asks for at most MAX_INLINE_RETRY_AFTER_MS. */
const THROTTLE_RETRIES = 3;
const MAX_INLINE_RETRY_AFTER_MS = 30_000;

export interface ItemsApi {
  getItems(marketplace: string, asins: string[]): Promise<GetItemsResult>;
}

export interface CatalogueFetchDeps {
  db: Db;
  box: SecretBox;
  /** The operator's credential (AMAZON_CREATORS_*), if any. */
  env?: CreatorsCredential | undefined;
  /** The API client for a credential (cached by the caller, so its token is reused across runs). */
  clientFor: (credential: CreatorsCredential) => ItemsApi;
  budget: RequestBudget;
  now?: () => Date;
  log?: Logger | undefined;
}

export interface FetchReport {
  /** GetItems calls made. */
  requests: number;
  /** Products whose data was stored. */
  fetched: number;
  /** Products Amazon did not know (marked; asked again in a day). */
  unknown: number;
  /** Products left for later: no usable credential, or their credential failed this run. */
  skipped: number;
  failures: Array<{ credential: string; kind: string; message: string }>;
}

interface Candidate {
  productId: number;
  asin: string;
  marketplace: string;
  organisationIds: number[];
}

/**
 * Products listed in any storefront, with the organisations listing them, whose retry time has come; a fill also
 * takes those merely waiting for a credential (never fetched, no error), since a new listing may bring one.
 */
function candidates(db: Db, now: Date, mode: 'fill' | 'due') {
  return db
    .selectFrom('products as p')
    .innerJoin('storefront_items as i', 'i.product_id', 'p.id')
    .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
    .innerJoin('influencers as f', 'f.id', 's.influencer_id')
    .leftJoin('catalogue_entries as c', 'c.product_id', 'p.id')
    .select(['p.id as productId', 'p.asin', 'p.marketplace', sql<number[]>`array_agg(DISTINCT f.organisation_id)`.as('organisationIds')])
    .groupBy(['p.id', 'p.asin', 'p.marketplace', 'c.next_attempt_at'])
    .where((eb) =>
      eb.or([
        eb('c.product_id', 'is', null),
        eb('c.next_attempt_at', '<=', now),
        ...(mode === 'fill' ? [eb.and([eb('c.fetched_at', 'is', null), eb('c.state', '=', 'pending'), eb('c.last_error', 'is', null)])] : []),
      ]),
    );
}

/** Fetches these products now if they have no current data (duplicates and fresh ones cost nothing). */
export async function fillProducts(deps: CatalogueFetchDeps, productIds: number[]): Promise<FetchReport> {
  const now = (deps.now ?? (() => new Date()))();
  if (productIds.length === 0) return emptyReport();
  const rows = await candidates(deps.db, now, 'fill').where('p.id', 'in', productIds).execute();
  return fetchCandidates(deps, rows);
}

/** Fetches the products that are due, oldest first, in full batches, at most maxRequests GetItems calls. */
export async function refreshDue(deps: CatalogueFetchDeps, opts: { maxRequests?: number; organisationIds?: number[] } = {}): Promise<FetchReport> {
  const now = (deps.now ?? (() => new Date()))();
  const maxRequests = opts.maxRequests ?? 100;
  const rows = await candidates(deps.db, now, 'due')
    // Only these organisations' storefronts (an operator's look at one organisation; tests sharing a database).
    .$if(opts.organisationIds !== undefined, (q) => q.where('f.organisation_id', 'in', opts.organisationIds!.length ? opts.organisationIds! : [-1]))
    .orderBy(sql`c.next_attempt_at ASC NULLS FIRST`)
    .orderBy('p.id')
    .limit(maxRequests * MAX_ITEMS_PER_REQUEST)
    .execute();
  return fetchCandidates(deps, rows, maxRequests);
}

const emptyReport = (): FetchReport => ({ requests: 0, fetched: 0, unknown: 0, skipped: 0, failures: [] });

async function fetchCandidates(deps: CatalogueFetchDeps, rows: Candidate[], maxRequests = Infinity): Promise<FetchReport> {
  const { db, log } = deps;
  const clock = deps.now ?? (() => new Date());
  const report = emptyReport();
  if (rows.length === 0) return report;
  // Which credential asks about which product: the first usable one (its organisation's, then the operator's) that serves its marketplace.
  const orgIds = [...new Set(rows.flatMap((r) => r.organisationIds.map(Number)))];
  const usable = await usableCredentials(db, deps.box, deps.env, orgIds, clock());
  const groups = new Map<string, { credential: CreatorsCredential; marketplace: string; products: Candidate[] }>();
  const orphans: Candidate[] = [];
  for (const r of rows) {
    const orgKeys = new Set(r.organisationIds.map((id) => `org:${Number(id)}`));
    const credential = usable.find((c) => (c.key === 'env' || orgKeys.has(c.key)) && credentialServes(c.version, r.marketplace));
    if (!credential) {
      orphans.push(r);
      continue;
    }
    const key = `${credential.key}|${r.marketplace}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { credential, marketplace: r.marketplace, products: [] }));
    g.products.push(r);
  }
  if (orphans.length > 0) {
    await postpone(
      db,
      orphans.map((o) => o.productId),
      new Date(clock().getTime() + NO_CREDENTIAL_RETRY_MS),
      null,
    );
    report.skipped += orphans.length;
  }

  const stopped = new Set<string>();
  const succeeded = new Set<string>();
  for (const g of groups.values()) {
    for (let i = 0; i < g.products.length; i += MAX_ITEMS_PER_REQUEST) {
      const batch = g.products.slice(i, i + MAX_ITEMS_PER_REQUEST);
      if (stopped.has(g.credential.key) || report.requests >= maxRequests) {
        report.skipped += batch.length;
        continue;
      }
      const result = await askAmazon(deps, g.credential, g.marketplace, batch, report);
      if (!result) {
        stopped.add(g.credential.key);
        report.skipped += batch.length;
        continue;
      }
      if (!succeeded.has(g.credential.key)) {
        succeeded.add(g.credential.key);
        await recordCredentialOutcome(db, g.credential.key, { kind: 'ok' }, clock());
      }
      await store(db, g.credential.key, batch, result, clock());
      report.fetched += result.items.length;
      report.unknown += result.unknown.length;
    }
  }
  if (report.requests > 0 || report.failures.length > 0)
    log?.info({ ...report, failures: report.failures.length ? report.failures : undefined }, 'catalogue fetched');
  return report;
}

/** One batch, with 429s retried within the budget; undefined when the credential failed (recorded). */
async function askAmazon(
  deps: CatalogueFetchDeps,
  credential: CreatorsCredential,
  marketplace: string,
  batch: Candidate[],
  report: FetchReport,
): Promise<GetItemsResult | undefined> {
  const clock = deps.now ?? (() => new Date());
  const client = deps.clientFor(credential);
  for (let attempt = 0; ; attempt++) {
    await deps.budget.take(credential.key);
    report.requests += 1;
    try {
      const result = await client.getItems(
        marketplace,
        batch.map((b) => b.asin),
      );
      deps.budget.succeeded(credential.key);
      return result;
    } catch (err) {
      if (!(err instanceof CreatorsApiError)) throw err;
      if (err.kind === 'throttled') {
        deps.budget.throttled(credential.key, err.retryAfterMs);
        if (attempt < THROTTLE_RETRIES && (err.retryAfterMs ?? 0) <= MAX_INLINE_RETRY_AFTER_MS) continue;
      }
      report.failures.push({ credential: credential.key, kind: err.kind, message: err.message });
      await recordCredentialOutcome(deps.db, credential.key, { kind: err.kind, message: err.message, retryAfterMs: err.retryAfterMs }, clock());
      // Junk and timeouts: these products wait a while; no access, refused and throttled rest on the credential instead.
      if (err.kind === 'bad_response' || err.kind === 'unreachable') {
        await postpone(
          deps.db,
          batch.map((b) => b.productId),
          new Date(clock().getTime() + FAILED_RETRY_MS),
          err.message,
        );
      }
      return undefined;
    }
  }
}

/** Overwrites the products' rows with what Amazon said (no history), and marks the ASINs it did not know. */
/**
 * One answer's products written in one transaction: an upsert of every product Amazon described, one of those it
 * does not know, then their health. (One product at a time, with a transaction each for its health, took 4.7 ms a
 * product and capped a refresh at about 20 GetItems a second: bench:catalogue.)
 */
async function store(db: Db, credentialKey: string, batch: Candidate[], result: GetItemsResult, now: Date): Promise<void> {
  const byAsin = new Map(batch.map((b) => [b.asin.toUpperCase(), b]));
  // One row per product (an answer naming an ASIN twice would make an upsert touch its row twice, which fails).
  const described = [
    ...new Map(
      result.items.flatMap((item) => {
        const product = byAsin.get(item.asin);
        return product ? [[product.productId, { product, item }] as const] : [];
      }),
    ).values(),
  ];
  const unknown = [
    ...new Map(
      result.unknown.flatMap((asin) => {
        const product = byAsin.get(asin.toUpperCase());
        return product ? [[product.productId, product] as const] : [];
      }),
    ).values(),
  ];
  if (described.length === 0 && unknown.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await upsertEntries(
      trx,
      described.map(({ product, item }) => ({
        product_id: product.productId,
        state: 'ok' as const,
        title: item.title ?? null,
        brand: item.brand ?? null,
        features: item.features ? JSON.stringify(item.features) : null,
        image_url: item.imageUrl ?? null,
        price_minor: item.priceMinor ?? null,
        currency: item.currency ?? null,
        availability: item.availability ?? null,
        fetched_at: now,
        fetched_with: credentialKey,
        next_attempt_at: new Date(now.getTime() + REFRESH_AFTER_MS),
        last_attempt_at: now,
        last_error: null,
        updated_at: now,
      })),
    );
    // Stored data is left to age out under the display rules; the ASIN is asked about again in a day, not sooner.
    await upsertEntries(
      trx,
      unknown.map((product) => ({
        product_id: product.productId,
        state: 'unknown_asin' as const,
        next_attempt_at: new Date(now.getTime() + UNKNOWN_ASIN_RETRY_MS),
        last_attempt_at: now,
        last_error: 'Amazon does not know this ASIN',
        updated_at: now,
      })),
    );
    // An ASIN Amazon no longer knows cannot be bought: link health says so (and tells the influencers once).
    await recordHealth(
      trx,
      [
        ...described.map(({ product, item }) => ({ productId: product.productId, health: healthOf(item) })),
        ...unknown.map((p) => ({ productId: p.productId, health: 'unavailable' as const })),
      ],
      now,
    );
  });
}

/** Moves products' retry time (creating their row if need be), keeping any data they have. */
async function postpone(db: Db, productIds: number[], until: Date, error: string | null): Promise<void> {
  await upsertEntries(
    db,
    productIds.map((id) => ({ product_id: id, next_attempt_at: until, last_error: error, updated_at: new Date() })),
  );
}

/** Inserts catalogue rows; a product that has one gets the columns the new rows carry, and keeps the rest. */
async function upsertEntries(db: Db, rows: Array<Insertable<CatalogueEntriesTable>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).filter((c) => c !== 'product_id');
  await db
    .insertInto('catalogue_entries')
    .values(rows)
    .onConflict((oc) => oc.column('product_id').doUpdateSet(Object.fromEntries(columns.map((c) => [c, sql.ref(`excluded.${c}`)]))))
    .execute();
}

/** New credentials for an organisation: its storefronts' products are due at once. */
export async function makeOrganisationProductsDue(db: Db, organisationId: number, now: Date = new Date()): Promise<void> {
  await db
    .updateTable('catalogue_entries')
    .set({ next_attempt_at: now })
    .where('state', '<>', 'unknown_asin')
    .where('product_id', 'in', (eb) =>
      eb
        .selectFrom('storefront_items as i')
        .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
        .innerJoin('influencers as f', 'f.id', 's.influencer_id')
        .select('i.product_id')
        .where('f.organisation_id', '=', organisationId),
    )
    .execute();
}
