// One BullMQ job scheduler per enabled feed source, kept in step with the feed_sources table.
import type { Db } from '../../src/db/database.ts';
import type { Queues } from '../../src/queues.ts';

const schedulerId = (id: number) => `feed-source-${id}`;

export async function syncFeedSchedules(db: Db, queues: Pick<Queues, 'feed-poll'>): Promise<number> {
  const sources = await db.selectFrom('feed_sources').select(['id', 'cron', 'enabled']).execute();
  const wanted = new Set<string>();
  for (const s of sources.filter((x) => x.enabled)) {
    wanted.add(schedulerId(s.id));
    await queues['feed-poll'].upsertJobScheduler(schedulerId(s.id), { pattern: s.cron, tz: 'UTC' }, { name: 'feed-poll', data: { feedSourceId: s.id } });
  }
  for (const existing of await queues['feed-poll'].getJobSchedulers()) {
    if (existing.key && !wanted.has(existing.key)) await queues['feed-poll'].removeJobScheduler(existing.key);
  }
  return wanted.size;
}
