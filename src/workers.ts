// The worker half of the process: one BullMQ Worker per queue this deployment consumes.
import { Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { Config } from './config.ts';
import { isConnectionError, type ConnectionState, type RedisState } from './connectionState.ts';
import type { Db } from './db/database.ts';
import { getIngest, ingestStatus } from './domain/ingest/ingests.ts';
import type { Metrics } from './http/metrics.ts';
import type { Logger } from './log.ts';
import type { QueueName, QueuePayloads, Queues } from './queues.ts';
import { feedPollProcessor } from '../jobs/feedPoll/processor.ts';
import { missingFeedSchedules, syncFeedSchedules } from '../jobs/feedPoll/schedule.ts';
import { ingestProcessor } from '../jobs/ingest/processor.ts';
import { DestinationGate } from '../jobs/notify/destinationGate.ts';
import { notifyProcessor } from '../jobs/notify/processor.ts';
import { digestComposer } from '../jobs/digest/compose.ts';
import { digestProcessor, digestTickProcessor } from '../jobs/digest/processor.ts';
import { rollupProcessor } from '../jobs/rollup/processor.ts';
import { CLICK_ROLLUP_EVERY_MS, clickRollupProcessor } from '../jobs/clickRollup/processor.ts';
import { clickPartitionsProcessor } from '../jobs/clickPartitions/processor.ts';
import { reconcileProcessor } from '../jobs/reconcile/processor.ts';
import { catalogueFetchDeps, catalogueFillProcessor, catalogueRefreshProcessor, CATALOGUE_REFRESH_EVERY_MS } from '../jobs/catalogue/processor.ts';
import type { Senders } from '../jobs/notify/senders.ts';
import { catalogueNoticeProcessor } from '../jobs/notify/catalogueNoticeProcessor.ts';
import { createSlackSenders } from '../bots/slack/sender.ts';
import { signedFilesFor } from './http/signedFiles.ts';
import { createDiscordSender } from '../bots/discord/sender.ts';
import { platformsEnabled } from './config.ts';
import { AllowList } from './domain/net/publicAddress.ts';
import { secretBoxFor } from './secrets/secretBox.ts';
import type { Redis } from 'ioredis';

export interface Workers {
  close(): Promise<void>;
  /** The job schedulers this process set up that Redis no longer holds (none: an empty list). */
  missingSchedulers(): Promise<string[]>;
  /** Re-creates the missing ones; resolves with those it re-created. */
  ensureSchedulers(): Promise<string[]>;
}

export interface WorkerDeps {
  config: Config;
  db: Db;
  /** Digests read their figures here (DATABASE_READ_URL); defaults to `db`. */
  readDb?: Db;
  connection: Redis;
  queues: Queues;
  log: Logger;
  senders?: Senders;
  /** Job counters (ingests, notifications, digests) go to this process's registry. */
  metrics?: Metrics;
  /** Connection errors of the workers' own Redis connections are reported here rather than logged each time. */
  redisState?: RedisState;
  /** A job that failed to reach Postgres while it is down is part of that outage, already logged once. */
  postgresState?: ConnectionState;
  /**
   * Schedule the reconciler (ingests whose job Redis lost are queued again). On in the service (src/main.ts); off by
   * default, since tests share one database between many queue prefixes and one prefix's reconciler would take up
   * another's ingests.
   */
  reconcile?: boolean;
  /** Schedule the catalogue refresh (products due are fetched from Amazon). On in the service; off by default for the same reason. */
  catalogueRefresh?: boolean;
}

/** A fixed job scheduler: one id, so any number of worker processes keep a single tick. */
interface FixedScheduler {
  queue: QueueName;
  id: string;
  repeat: { pattern: string } | { every: number };
}

export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const { config, db, connection, queues, log, metrics } = deps;
  // A worker that dies (SIGKILL, a lost host) leaves its jobs locked: another worker takes them up once the lock has
  // expired, at its next stalled-job check. Errors fetching the next job (Redis away) are retried every 2 s, not 15.
  const common = {
    connection: connection as ConnectionOptions,
    prefix: config.QUEUE_PREFIX,
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: config.JOB_LOCK_MS,
    runRetryDelay: 2000,
  };
  const senders: Senders = deps.senders ?? defaultSenders(config, db, connection);
  // A notify job mostly waits (on the platform's answer, or for its turn at a busy channel, held in the worker
  // when it is under a second or so away): many run at once, and most of them may hold a turn.
  const notifyConcurrency = 64;
  const gate = new DestinationGate(connection, config.QUEUE_PREFIX, { maxHolding: notifyConcurrency - 16 });
  // The fill and the refresh share this process's request budget and API clients (token caches).
  const catalogue = catalogueFetchDeps({ db, box: secretBoxFor(config), config, log: log.child({ queue: 'catalogue' }) });
  const workers = [
    // Ingests are heavy (one big transaction each): one at a time per process.
    new Worker('ingest', ingestProcessor({ db, queues, trickleWindowMs: config.NOTIFY_TRICKLE_MS }), { ...common, concurrency: 1 }),
    // Many destinations at once; each destination is paced by the gate, not by the worker.
    new Worker(
      'notify',
      notifyProcessor({
        db,
        gate,
        senders,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        backfillAgeDays: config.BACKFILL_AGE_DAYS,
        log: log.child({ queue: 'notify' }),
        metrics,
      }),
      { ...common, concurrency: notifyConcurrency },
    ),
    new Worker(
      'digest',
      digestProcessor({
        db,
        readDb: deps.readDb,
        gate,
        senders,
        compose: digestComposer(config.PUBLIC_BASE_URL),
        log: log.child({ queue: 'digest' }),
        metrics,
      }),
      { ...common, concurrency: 2 },
    ),
    new Worker('digest-tick', digestTickProcessor({ db, queues, log: log.child({ queue: 'digest-tick' }) }), { ...common, concurrency: 1 }),
    new Worker(
      'feed-poll',
      feedPollProcessor({
        db,
        queues,
        storageDir: config.FEED_STORAGE_DIR,
        maxBytes: config.FEED_MAX_BYTES,
        log: log.child({ queue: 'feed-poll' }),
        secrets: secretBoxFor(config),
        outbound: { allow: AllowList.parse(config.FEED_POLL_ALLOW_PRIVATE) },
      }),
      { ...common, concurrency: 2 },
    ),
    // Refreshes take an advisory lock and run one at a time anyway.
    new Worker('earnings-rollup', rollupProcessor({ db, log: log.child({ queue: 'earnings-rollup' }) }), { ...common, concurrency: 1 }),
    new Worker('click-rollup', clickRollupProcessor({ db, log: log.child({ queue: 'click-rollup' }) }), { ...common, concurrency: 1 }),
    new Worker(
      'click-partitions',
      clickPartitionsProcessor({ db, retentionDays: config.CLICK_RETENTION_DAYS, log: log.child({ queue: 'click-partitions' }) }),
      { ...common, concurrency: 1 },
    ),
    new Worker(
      'reconcile',
      reconcileProcessor({
        db,
        queues,
        olderThanMs: config.RECONCILE_EVERY_MS,
        log: log.child({ queue: 'reconcile' }),
        uploads: { dir: config.FEED_STORAGE_DIR, retentionMs: config.UPLOAD_RETENTION_DAYS * 86_400_000 },
      }),
      { ...common, concurrency: 1 },
    ),
    // One catalogue fetch at a time per process: each credential's request budget is paced inside it.
    new Worker('catalogue-fill', catalogueFillProcessor(catalogue, queues['catalogue-notice']), { ...common, concurrency: 1 }),
    new Worker('catalogue-refresh', catalogueRefreshProcessor(catalogue, undefined, queues['catalogue-notice']), { ...common, concurrency: 1 }),
    // Link-health notices: paced per destination by the same gate as commission notices.
    new Worker(
      'catalogue-notice',
      catalogueNoticeProcessor({ db, gate, senders, publicBaseUrl: config.PUBLIC_BASE_URL, log: log.child({ queue: 'catalogue-notice' }) }),
      { ...common, concurrency: 8 },
    ),
  ];
  const ingestLog = log.child({ queue: 'ingest' });
  // A connection error may be Postgres's or a platform's (Slack, a feed URL): ask Postgres before blaming it.
  const partOfOutage = async (err: Error) => {
    const pg = deps.postgresState;
    return Boolean(pg && (isConnectionError(err) || !pg.available) && !(await pg.check('job')));
  };
  for (const w of workers) {
    const wl = log.child({ queue: w.name });
    const name = w.name as QueueName;
    if (name === 'ingest') {
      // One line per finished ingest (and a warning per attempt that will be retried), from the job's outcome.
      w.on('completed', (job) => void reportIngest({ db, log: ingestLog, metrics }, job as Job<QueuePayloads['ingest']>));
      w.on('failed', (job, err) => void reportIngest({ db, log: ingestLog, metrics }, job as Job<QueuePayloads['ingest']> | undefined, err));
    } else {
      w.on('failed', (job, err) => {
        const { final, attempt } = attemptOf(job, err);
        // Notifications and digests log their own final line ("… given up"), with who it was for.
        if (final && OWN_FINAL_LINE.has(name)) return;
        void partOfOutage(err).then((outage) => {
          const line = { jobId: job?.id, attempt, err: err.message };
          // Every scheduled tick failing while Postgres is down is the outage already logged, not news.
          if (outage) wl.debug(line, final ? 'job failed (postgres unavailable)' : 'job failed; will retry (postgres unavailable)');
          else if (final) wl.error(line, 'job failed');
          else wl.warn(line, 'job failed; will retry');
        });
      });
    }
    w.on('error', (err) => {
      if (!deps.redisState?.reported(err, `worker ${w.name}`)) wl.warn({ err: err.message }, 'worker error');
    });
  }
  const fixed: FixedScheduler[] = [
    { queue: 'digest-tick', id: 'digest-tick', repeat: { pattern: '* * * * *' } },
    { queue: 'earnings-rollup', id: 'earnings-rollup-tick', repeat: { every: 60_000 } },
    { queue: 'click-rollup', id: 'click-rollup-tick', repeat: { every: CLICK_ROLLUP_EVERY_MS } },
    // Hourly, so a month's partition exists weeks ahead even if a run or two fail.
    { queue: 'click-partitions', id: 'click-partitions-tick', repeat: { pattern: '17 * * * *' } },
    ...(deps.reconcile ? [{ queue: 'reconcile', id: 'reconcile-tick', repeat: { every: config.RECONCILE_EVERY_MS } } satisfies FixedScheduler] : []),
    ...(deps.catalogueRefresh
      ? [{ queue: 'catalogue-refresh', id: 'catalogue-refresh-tick', repeat: { every: CATALOGUE_REFRESH_EVERY_MS } } satisfies FixedScheduler]
      : []),
  ];
  const upsert = (s: FixedScheduler) => (queues[s.queue] as Queue).upsertJobScheduler(s.id, s.repeat, { name: s.queue, data: {} });
  for (const s of fixed) await upsert(s);
  // The feed sources' schedulers this process has set up (a source added since is picked up at the next sync).
  let feedSchedules = new Set<string>();
  const syncFeeds = async () => {
    feedSchedules = new Set(await syncFeedSchedules(db, queues));
    return feedSchedules.size;
  };
  const scheduled = await syncFeeds().catch((err: unknown) => {
    log.warn({ err }, 'could not sync feed schedules');
    return 0;
  });

  const missingSchedulers = async (): Promise<string[]> => {
    const fixedMissing = await Promise.all(fixed.map(async (s) => ((await (queues[s.queue] as Queue).getJobScheduler(s.id)) ? [] : [s.id])));
    return [...fixedMissing.flat(), ...(await missingFeedSchedules(queues, feedSchedules))];
  };
  let ensuring: Promise<string[]> | undefined;
  const ensureSchedulers = () =>
    (ensuring ??= (async () => {
      const missing = await missingSchedulers();
      if (missing.length === 0) return [];
      for (const s of fixed.filter((f) => missing.includes(f.id))) await upsert(s);
      if (missing.some((id) => feedSchedules.has(id))) await syncFeeds();
      log.warn({ schedulers: missing }, 'job schedulers re-created');
      return missing;
    })().finally(() => (ensuring = undefined)));
  // Redis that comes back from an outage may have come back empty (no persistence, a failover to an empty replica):
  // every time the workers' connection is ready again, the schedulers that are gone are set up again.
  // Until it succeeds (Postgres may be away too, for the feed sources), it is tried again every few seconds.
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const onReady = () => {
    clearTimeout(retry);
    ensureSchedulers().catch((err: unknown) => {
      // An unreachable Redis or Postgres is the outage already logged; anything else is worth a line.
      if (!isConnectionError(err)) log.warn({ err: (err as Error).message }, 'could not re-create job schedulers; will retry');
      if (!closed) retry = setTimeout(onReady, SCHEDULER_RETRY_MS).unref();
    });
  };
  connection.on('ready', onReady);
  log.info({ queues: workers.map((w) => w.name), feedSchedules: scheduled }, 'workers started');
  return {
    missingSchedulers,
    ensureSchedulers,
    async close() {
      closed = true;
      clearTimeout(retry);
      connection.off('ready', onReady);
      // Active jobs finish first, with Redis there to record them. Without Redis BullMQ's close waits for it for ever
      // (a SIGTERM during an outage hung until the 25 s kill): then it is forced, and if Redis goes away mid-close
      // the workers' connections are cut. Their jobs' locks expire and another worker takes them up (a stalled job).
      const closing = Promise.all(workers.map((w) => w.close(connection.status !== 'ready')));
      let awayMs = 0;
      for (;;) {
        const done = await Promise.race([closing.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), CLOSE_POLL_MS))]);
        if (done) return;
        awayMs = connection.status === 'ready' ? 0 : awayMs + CLOSE_POLL_MS;
        if (awayMs >= CLOSE_WITHOUT_REDIS_MS) break;
      }
      closing.catch(() => undefined);
      await Promise.all(workers.map((w) => w.disconnect().catch(() => undefined)));
    },
  };
}

const SCHEDULER_RETRY_MS = 5000;
const CLOSE_POLL_MS = 250;
/** How long a closing worker waits for a Redis that is away before its connections are cut. */
const CLOSE_WITHOUT_REDIS_MS = 2000;

const OWN_FINAL_LINE = new Set<QueueName>(['notify', 'digest']);

/** Whether a failure was the job's last attempt (no retry follows), and which attempt it was ("2/3"). */
export function attemptOf(job: Pick<Job, 'attemptsMade' | 'opts'> | undefined, err: Error): { final: boolean; attempt: string } {
  const max = job?.opts.attempts ?? 1;
  // In the 'failed' event BullMQ has already counted this attempt.
  const made = job?.attemptsMade ?? max;
  return { final: err.name === 'UnrecoverableError' || made >= max, attempt: `${made}/${max}` };
}

/** The ingest's outcome as one structured line and in the ingest counters. */
async function reportIngest(
  deps: { db: Db; log: Logger; metrics?: Metrics | undefined },
  job: Job<QueuePayloads['ingest']> | undefined,
  err?: Error,
): Promise<void> {
  const { db, log, metrics } = deps;
  const ingestId = job?.data.ingestId;
  try {
    const { final, attempt } = err ? attemptOf(job, err) : { final: true, attempt: `${job?.attemptsMade ?? 1}/${job?.opts.attempts ?? 1}` };
    if (!final) {
      log.warn({ ingestId, attempt, err: err!.message }, 'ingest attempt failed; will retry');
      return;
    }
    // The line is written even when the record cannot be read (Postgres gone mid-ingest): with what the job knows.
    const row = ingestId ? await getIngest(db, ingestId).catch(() => undefined) : undefined;
    const doc = row ? ingestStatus(row) : undefined;
    // A file that cannot be read is recorded as failed and ends the job normally: it is a failure all the same.
    const status = err ? 'failed' : (doc?.status ?? 'succeeded');
    const summary = doc?.summary as { marketplace?: string | null } | null | undefined;
    const affected = row?.affectedInfluencers ?? [];
    const started = row?.startedAt ?? (job?.processedOn ? new Date(job.processedOn) : undefined);
    const finished = row?.finishedAt ?? new Date();
    const seconds = started ? Math.max(0, finished.getTime() - started.getTime()) / 1000 : undefined;
    const counts = doc?.counts ?? { rows: 0, accepted: 0, unchanged: 0, reversed: 0, rejected: 0, unattributed: 0 };
    const line = {
      ingestId,
      network: row?.network,
      source: row?.source,
      status,
      counts,
      seconds,
      marketplace: row?.marketplace ?? summary?.marketplace ?? null,
      // Whose report it is (its influencers are the only ones it can credit).
      organisationId: row?.organisationId ?? null,
      influencers: affected.length,
      attempt,
      ...(err || doc?.error ? { error: err?.message ?? doc?.error } : {}),
    };
    if (status === 'succeeded') log.info(line, 'ingest finished');
    else if (err) log.error(line, 'ingest finished');
    else log.warn(line, 'ingest finished'); // rejected or held for confirmation: the sender's decision, not our fault
    if (metrics) {
      metrics.ingests.inc({ outcome: status === 'succeeded' || status === 'held' ? status : 'failed' });
      for (const result of ['accepted', 'unchanged', 'reversed', 'rejected'] as const)
        if (counts[result] > 0) metrics.ingestRows.inc({ result }, counts[result]);
      if (seconds !== undefined) metrics.ingestDuration.observe(seconds);
    }
  } catch (e) {
    log.warn({ ingestId, err: (e as Error).message }, 'could not report the ingest outcome');
  }
}

function defaultSenders(config: Config, db: Db, redis: Redis): Senders {
  const on = platformsEnabled(config);
  // Slack shows the digest chart from a signed URL of the web server, which reads it from the same Redis.
  const slack = on.slack ? createSlackSenders({ config, db, files: signedFilesFor(config, redis) }) : undefined;
  const discord =
    on.discord && config.DISCORD_BOT_TOKEN
      ? createDiscordSender({ token: config.DISCORD_BOT_TOKEN, ...(config.DISCORD_API_URL ? { apiUrl: config.DISCORD_API_URL } : {}) })
      : undefined;
  return { ...(slack ? { slack: (teamId: string) => slack.forWorkspace(teamId) } : {}), ...(discord ? { discord } : {}) };
}
