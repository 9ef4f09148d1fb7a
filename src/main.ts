// `npm start`: migrate, then serve HTTP and run the workers in one process (or one role with --role).
import { ConfigError, loadConfig, platformsEnabled } from './config.ts';
import { loadEnvFile } from './loadEnvFile.ts';
import { createLogger } from './log.ts';
import { startRuntime } from './runtime.ts';

const role = (() => {
  const i = process.argv.indexOf('--role');
  const v = i === -1 ? 'all' : process.argv[i + 1];
  if (v !== 'all' && v !== 'web' && v !== 'worker') {
    console.error(`Unknown --role ${v}; use web, worker or all.`);
    process.exit(2);
  }
  return v;
})();

loadEnvFile();
let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const log = createLogger(config.LOG_LEVEL, { role }, { format: config.LOG_FORMAT });
const platforms = platformsEnabled(config);
if (!platforms.slack) log.info('Slack is off: SLACK_SIGNING_SECRET with SLACK_BOT_TOKEN or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET not set');
if (!platforms.discord) log.info('Discord is off: DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID not set');
// Production refuses to start without it (src/config.ts); elsewhere the public development key stands in.
if (!config.ENCRYPTION_KEY)
  log.warn('ENCRYPTION_KEY is not set: stored secrets are sealed with the public development key (key id "dev"); set your own before production');

// Nothing is meant to reach these: every connection, pool client, queue, worker and server has its 'error' listener,
// and a job's failure is the job's. Should something still escape, it is said in the log's own format before Node
// ends the process as it always would (a supervisor restarts it), rather than as a bare stack trace.
process.on('uncaughtExceptionMonitor', (err, origin) =>
  log.fatal({ err, origin }, origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception'),
);

const runtime = await startRuntime(config, {
  migrate: true,
  web: role !== 'worker',
  workers: role !== 'web',
  log,
  defaultMetrics: true,
  reconcile: true,
  catalogueRefresh: true,
}).catch((err: unknown) => {
  log.fatal({ err }, 'failed to start');
  process.exit(1);
});
if (runtime.url) log.info({ url: config.PUBLIC_BASE_URL, listening: `${config.HOST}:${config.PORT}` }, 'web server listening');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    log.error('shutdown took too long; exiting');
    process.exit(1);
  }, 25_000).unref();
  try {
    await runtime.close();
    clearTimeout(force);
    log.info('stopped cleanly');
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
