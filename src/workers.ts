// The worker half of the process: one BullMQ Worker per queue this deployment consumes.
import { Worker, type ConnectionOptions } from 'bullmq';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import type { Logger } from './log.ts';
import type { Queues } from './queues.ts';
import { feedPollProcessor } from '../jobs/feedPoll/processor.ts';
import { syncFeedSchedules } from '../jobs/feedPoll/schedule.ts';
import { ingestProcessor } from '../jobs/ingest/processor.ts';
import { DestinationGate } from '../jobs/notify/destinationGate.ts';
import { notifyProcessor } from '../jobs/notify/processor.ts';
import { digestComposer } from '../jobs/digest/compose.ts';
import { digestProcessor, digestTickProcessor } from '../jobs/digest/processor.ts';
import { rollupProcessor } from '../jobs/rollup/processor.ts';
import type { Senders } from '../jobs/notify/senders.ts';
import { createSlackSenders } from '../bots/slack/sender.ts';
import { createDiscordSender } from '../bots/discord/sender.ts';
import { platformsEnabled } from './config.ts';
import type { Redis } from 'ioredis';

export interface Workers {
  close(): Promise<void>;
}

export async function startWorkers(deps: { config: Config; db: Db; connection: Redis; queues: Queues; log: Logger; senders?: Senders }): Promise<Workers> {
  const { config, db, connection, queues, log } = deps;
  const common = { connection: connection as ConnectionOptions, prefix: config.QUEUE_PREFIX };
  const senders: Senders = deps.senders ?? defaultSenders(config, db);
  // A notify job mostly waits (on the platform's answer, or for its turn at a busy channel, held in the worker
  // when it is under a second or so away): many run at once, and most of them may hold a turn.
  const notifyConcurrency = 64;
  const gate = new DestinationGate(connection, config.QUEUE_PREFIX, { maxHolding: notifyConcurrency - 16 });
  const workers = [
    // Ingests are heavy (one big transaction each): one at a time per process.
    new Worker('ingest', ingestProcessor({ db, queues, trickleWindowMs: config.NOTIFY_TRICKLE_MS }), { ...common, concurrency: 1 }),
    // Many destinations at once; each destination is paced by the gate, not by the worker.
    new Worker('notify', notifyProcessor({ db, gate, senders, publicBaseUrl: config.PUBLIC_BASE_URL, log: log.child({ queue: 'notify' }) }), { ...common, concurrency: notifyConcurrency }),
    new Worker('digest', digestProcessor({ db, gate, senders, compose: digestComposer(config.PUBLIC_BASE_URL), log: log.child({ queue: 'digest' }) }), { ...common, concurrency: 2 }),
    new Worker('digest-tick', digestTickProcessor({ db, queues }), { ...common, concurrency: 1 }),
    new Worker('feed-poll', feedPollProcessor({ db, queues, storageDir: config.FEED_STORAGE_DIR, maxBytes: config.FEED_MAX_BYTES }), { ...common, concurrency: 2 }),
    // Refreshes take an advisory lock and run one at a time anyway.
    new Worker('earnings-rollup', rollupProcessor({ db, log: log.child({ queue: 'earnings-rollup' }) }), { ...common, concurrency: 1 }),
  ];
  for (const w of workers) {
    const wl = log.child({ queue: w.name });
    w.on('failed', (job, err) => wl.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
    w.on('error', (err) => wl.warn({ err: err.message }, 'worker error'));
  }
  // One scheduler id, so any number of worker processes keep a single tick.
  await queues['digest-tick'].upsertJobScheduler('digest-tick', { pattern: '* * * * *' }, { name: 'digest-tick', data: {} });
  await queues['earnings-rollup'].upsertJobScheduler('earnings-rollup-tick', { every: 60_000 }, { name: 'earnings-rollup', data: {} });
  const scheduled = await syncFeedSchedules(db, queues).catch((err: unknown) => {
    log.warn({ err }, 'could not sync feed schedules');
    return 0;
  });
  log.info({ queues: workers.map((w) => w.name), feedSchedules: scheduled }, 'workers started');
  return {
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

function defaultSenders(config: Config, db: Db): Senders {
  const on = platformsEnabled(config);
  const slack = on.slack ? createSlackSenders({ config, db }) : undefined;
  const discord = on.discord && config.DISCORD_BOT_TOKEN ? createDiscordSender({ token: config.DISCORD_BOT_TOKEN, ...(config.DISCORD_API_URL ? { apiUrl: config.DISCORD_API_URL } : {}) }) : undefined;
  return { ...(slack ? { slack: (teamId: string) => slack.forWorkspace(teamId) } : {}), ...(discord ? { discord } : {}) };
}
