// One BullMQ job scheduler per enabled feed source, kept in step with the feed_sources table.
import type { Db } from '../../src/db/database.ts';
import { listFeedSourceSchedules } from '../../src/domain/feeds/feedSources.ts';
import type { Queues } from '../../src/queues.ts';

export const feedSchedulerId = (id: number) => `feed-source-${id}`;

/** Upserts a scheduler per enabled source, removes the others; resolves with the ids of the schedulers it keeps. */
export async function syncFeedSchedules(db: Db, queues: Pick<Queues, 'feed-poll'>): Promise<string[]> {
  const sources = await listFeedSourceSchedules(db);
  const wanted = new Set<string>();
  for (const s of sources.filter((x) => x.enabled)) {
    wanted.add(feedSchedulerId(s.id));
    await queues['feed-poll'].upsertJobScheduler(feedSchedulerId(s.id), { pattern: s.cron, tz: 'UTC' }, { name: 'feed-poll', data: { feedSourceId: s.id } });
  }
  for (const existing of await queues['feed-poll'].getJobSchedulers()) {
    if (existing.key && !wanted.has(existing.key)) await queues['feed-poll'].removeJobScheduler(existing.key);
  }
  return [...wanted];
}

/** Of the given scheduler ids, those Redis no longer holds (it restarted empty, say). */
export async function missingFeedSchedules(queues: Pick<Queues, 'feed-poll'>, ids: Iterable<string>): Promise<string[]> {
  const held = new Set((await queues['feed-poll'].getJobSchedulers()).map((s) => s.key));
  return [...ids].filter((id) => !held.has(id));
}
