// Feed sources: report URLs polled on a cron schedule (UTC), with how their last poll went. Their request headers
// are stored sealed (src/secrets/storedSecrets.ts); callers seal and open them.
import type { Db } from '../../db/database.ts';

/** The longest poll error kept on a source. */
const MAX_LAST_ERROR = 500;
/** The longest name kept for a source. */
const MAX_NAME = 100;

/** A source as the poll job reads it: where to fetch, with its sealed headers (open them with openFeedHeaders). */
export function getFeedSource(db: Db, id: number) {
  return db
    .selectFrom('feed_sources')
    .select(['id', 'organisation_id as organisationId', 'network', 'name', 'url', 'cron', 'marketplace', 'headers', 'enabled'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export type FeedSource = NonNullable<Awaited<ReturnType<typeof getFeedSource>>>;

/** Every source (enabled or not) with its cron pattern: what the poll schedulers are kept in step with. */
export function listFeedSourceSchedules(db: Db): Promise<Array<{ id: number; cron: string; enabled: boolean }>> {
  return db.selectFrom('feed_sources').select(['id', 'cron', 'enabled']).execute();
}

/** Records that a poll of the source started now. */
export async function markFeedSourcePolled(db: Db, id: number): Promise<void> {
  await db.updateTable('feed_sources').set({ last_polled_at: new Date() }).where('id', '=', id).execute();
}

/** Records that a poll of the source succeeded now, clearing its last error. */
export async function markFeedSourceSucceeded(db: Db, id: number): Promise<void> {
  await db.updateTable('feed_sources').set({ last_success_at: new Date(), last_error: null }).where('id', '=', id).execute();
}

/** Records why a poll of the source failed (the first 500 characters). */
export async function markFeedSourceFailed(db: Db, id: number, error: string): Promise<void> {
  await db
    .updateTable('feed_sources')
    .set({ last_error: error.slice(0, MAX_LAST_ERROR) })
    .where('id', '=', id)
    .execute();
}

export interface NewFeedSource {
  organisationId: number;
  network: string;
  /** Kept to its first 100 characters. */
  name: string;
  url: string;
  cron: string;
  marketplace: string | null;
  /** The request headers as sealed for storage (sealFeedHeaders), or null. */
  sealedHeaders: string | null;
}

export function addFeedSource(db: Db, args: NewFeedSource): Promise<{ id: number; name: string; cron: string }> {
  return db
    .insertInto('feed_sources')
    .values({
      organisation_id: args.organisationId,
      network: args.network,
      name: args.name.slice(0, MAX_NAME),
      url: args.url,
      cron: args.cron,
      marketplace: args.marketplace,
      headers: args.sealedHeaders as never,
      last_polled_at: null,
      last_success_at: null,
      last_error: null,
    })
    .returning(['id', 'name', 'cron'])
    .executeTakeFirstOrThrow();
}

/** Every source, by id, with how its last poll went (not its URL or headers): what `feed-source list` prints. */
export function listFeedSources(db: Db) {
  return db
    .selectFrom('feed_sources')
    .select([
      'id',
      'organisation_id as organisationId',
      'name',
      'network',
      'cron',
      'enabled',
      'last_polled_at as lastPolledAt',
      'last_success_at as lastSuccessAt',
      'last_error as lastError',
    ])
    .orderBy('id')
    .execute();
}

export type FeedSourceListing = Awaited<ReturnType<typeof listFeedSources>>[number];
