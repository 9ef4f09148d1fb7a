// Feed-source poll: download the source's URL (timeout, size cap), store it, record an ingest, queue it.
// The URL is fetched from public addresses only: every redirect hop and every DNS answer is judged by the shared
// guard (src/domain/net/publicFetch.ts); the source's headers (sealed at rest) go to its own origin only.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import { getFeedSource, markFeedSourceFailed, markFeedSourcePolled, markFeedSourceSucceeded } from '../../src/domain/feeds/feedSources.ts';
import { fetchPublic, type OutboundPolicy } from '../../src/domain/net/publicFetch.ts';
import { createIngest } from '../../src/domain/ingest/ingests.ts';
import { storeStream } from '../../src/domain/ingest/storeFile.ts';
import type { Logger } from '../../src/log.ts';
import type { QueuePayloads, Queues } from '../../src/queues.ts';
import type { SecretBox } from '../../src/secrets/secretBox.ts';
import { openFeedHeaders } from '../../src/secrets/storedSecrets.ts';

export interface FeedPollDeps {
  db: Db;
  queues: Pick<Queues, 'ingest'>;
  storageDir: string;
  maxBytes: number;
  timeoutMs?: number;
  log?: Logger;
  /** Opens the sources' sealed headers. */
  secrets: SecretBox;
  /** Non-public addresses allowed (FEED_POLL_ALLOW_PRIVATE) and, for tests, name resolution. */
  outbound?: OutboundPolicy;
}

export function feedPollProcessor(deps: FeedPollDeps) {
  return async (job: Job<QueuePayloads['feed-poll']>) => {
    const source = await getFeedSource(deps.db, job.data.feedSourceId);
    if (!source) throw new UnrecoverableError(`Feed source ${job.data.feedSourceId} does not exist`);
    if (!source.enabled) {
      deps.log?.debug({ feedSourceId: source.id }, 'feed poll skipped: source disabled');
      return { skipped: 'disabled' };
    }
    await markFeedSourcePolled(deps.db, source.id);
    try {
      const headers = openFeedHeaders(deps.secrets, source.url, source.headers);
      const res = await fetchPublic(source.url, { headers, signal: AbortSignal.timeout(deps.timeoutMs ?? 60_000), policy: deps.outbound, decompress: true });
      if (res.status < 200 || res.status > 299) {
        res.body.destroy();
        throw new Error(`GET ${new URL(source.url).host} answered ${res.status}`);
      }
      const stored = await storeStream(res.body, deps.storageDir, deps.maxBytes);
      const ingestId = await createIngest(deps.db, {
        organisationId: source.organisationId,
        network: source.network,
        source: 'poll',
        filePath: stored.path,
        fileName: source.name,
        sha256: stored.sha256,
        byteSize: stored.bytes,
        marketplace: source.marketplace,
        feedSourceId: source.id,
      });
      await deps.queues.ingest.add('ingest', { ingestId }, { jobId: ingestId });
      await markFeedSourceSucceeded(deps.db, source.id);
      deps.log?.info(
        { feedSourceId: source.id, feedSource: source.name, network: source.network, host: new URL(source.url).host, bytes: stored.bytes, ingestId },
        'feed polled',
      );
      return { ingestId };
    } catch (err) {
      await markFeedSourceFailed(deps.db, source.id, (err as Error).message);
      throw err;
    }
  };
}
