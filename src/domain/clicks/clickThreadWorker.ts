// The click writer's thread (see ./clickThread.ts): a ClickBuffer with a Postgres pool and a Redis connection of its
// own. It takes the redirects' raw clicks from the main thread, classifies, hashes, marks repeats and writes them,
// and tells the main thread what it wrote, dropped or failed on, and how far behind it is.
import { parentPort, workerData } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import { createDb } from '../../db/database.ts';
import { createCacheConnection } from '../../redis.ts';
import { ClickBuffer } from './clickBuffer.ts';
import { RepeatDetector } from './repeatDetector.ts';
import { CLICK_FIELDS, type FromThread, type ThreadSettings, type ToThread, errorFields } from './clickThreadMessages.ts';

const port = parentPort!;
const s = workerData as ThreadSettings;
const post = (m: FromThread) => port.postMessage(m);

const db = createDb(s.databaseUrl, {
  max: s.poolSize,
  statementTimeoutMs: s.statementTimeoutMs,
  applicationName: 'click-writer',
  onClientError: (err) => post({ t: 'error', error: errorFields(err), ...status() }),
});
let redis: Redis | undefined;
if (s.redisUrl) {
  redis = createCacheConnection(s.redisUrl);
  // An outage is the main thread's to report (its own connections see it too); repeats fall back to memory meanwhile.
  redis.on('error', () => undefined);
}
let received = 0;
const buffer = new ClickBuffer({
  db,
  repeats: new RepeatDetector(redis, s.queuePrefix),
  secret: s.secret,
  flushMs: s.flushMs,
  batchSize: s.batchSize,
  maxBuffered: s.maxBuffered,
  onWritten: (kind, n) => post({ t: 'written', kind, n, ...status() }),
  onDropped: (n) => post({ t: 'dropped', n, ...status() }),
  onError: (err) => post({ t: 'error', error: errorFields(err), ...status() }),
});
buffer.start();

function status() {
  const oldest = buffer.depth > 0 ? Date.now() - buffer.lagMs() : null;
  return { received, depth: buffer.depth, oldest };
}

port.on('message', (m: ToThread) => {
  if (m.t === 'clicks') {
    const d = m.data;
    for (let i = 0; i < d.length; i += CLICK_FIELDS) {
      buffer.push({
        linkId: d[i] as number,
        at: new Date(d[i + 1] as number),
        ip: d[i + 2] as string,
        userAgent: (d[i + 3] as string | null) ?? undefined,
        referer: (d[i + 4] as string | null) ?? undefined,
        country: d[i + 5] as string | null,
      });
    }
    received += d.length / CLICK_FIELDS;
    post({ t: 'status', ...status() });
  } else if (m.t === 'flush') {
    void buffer.flush().then(() => post({ t: 'flushed', id: m.id, ...status() }));
  } else if (m.t === 'stop') {
    void (async () => {
      const left = await buffer.stop(m.deadlineMs);
      redis?.disconnect();
      await db.destroy().catch(() => undefined);
      post({ t: 'stopped', left, ...status() });
    })();
  }
});
