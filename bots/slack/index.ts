// The Slack adapter: Bolt wired onto our express server (POST /slack/events behind our own signature,
// age and replay checks; /slack/install and /slack/oauth_redirect in OAuth mode), or Socket Mode for
// development. Listeners only map Slack input onto the command core and render its replies.
import type { ServerResponse } from 'node:http';
import { App, type Authorize, ExpressReceiver, type Receiver, SocketModeReceiver } from '@slack/bolt';
import express from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config.ts';
import type { Db } from '../../src/db/database.ts';
import { createShortLinkResolver } from '../../src/domain/amazon/shortLinks.ts';
import { MESSAGE_PAGE_HEADERS, messagePage } from '../../src/http/html.ts';
import { signedFilesFor } from '../../src/http/signedFiles.ts';
import type { Logger } from '../../src/log.ts';
import { secretBoxFor } from '../../src/secrets/secretBox.ts';
import { withTimeout } from '../../src/timeout.ts';
import { boltLogger } from './boltLogger.ts';
import type { SlackDeps } from './deps.ts';
import { SlackUserDirectory } from './identity.ts';
import { postgresInstallationStore } from './installationStore.ts';
import { redisStateStore } from './oauthStateStore.ts';
import { registerUnhandledInteractions } from './listeners/actions.ts';
import { registerAppHome } from './listeners/appHome.ts';
import { registerCommands } from './listeners/commands.ts';
import { registerLinkShared } from './listeners/linkShared.ts';
import { registerRevocation } from './listeners/revocation.ts';
import { MAX_BODY_BYTES, slackRequestGuard } from './requestGuard.ts';
import { BOT_SCOPES, EVENTS_PATH, INSTALL_PATH, OAUTH_REDIRECT_PATH } from './scopes.ts';
import { MAX_REQUEST_AGE_SECONDS, SeenOnce } from './verify.ts';

export interface SlackAdapterDeps {
  config: Config;
  db: Db;
  /** Figures are read here (DATABASE_READ_URL); defaults to `db`. */
  readDb?: Db;
  /** The runtime's fail-fast Redis connection (replay and retry de-duplication). */
  cacheRedis: Redis;
  log: Logger;
}

export type SlackMode = 'single-workspace' | 'oauth' | 'socket';

export interface SlackAdapter {
  mode: SlackMode;
  app: App;
  /** Adds the Slack routes to our express app (absent in Socket Mode). */
  mount?: (app: express.Express) => void;
  start(): Promise<void>;
  /** Resolves once every request taken so far has been handled (its listeners finished after the ack). */
  idle(): Promise<void>;
  /** Lets requests in hand finish (a few seconds at most), then disconnects Socket Mode. */
  stop(): Promise<void>;
}

/** Slack's OAuth authorize page next to the Web API base (so a local fake can stand in for both). */
function authorizationUrl(apiUrl: string | undefined): string | undefined {
  return apiUrl ? new URL('../oauth/v2/authorize', apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`).href : undefined;
}

export function createSlackAdapter(d: SlackAdapterDeps): SlackAdapter {
  const { config, db } = d;
  const log = d.log.child({ platform: 'slack' });
  const logger = boltLogger(log);
  const socket = config.SLACK_SOCKET_MODE;
  const signingSecret = config.SLACK_SIGNING_SECRET;
  if (!signingSecret && !socket) throw new Error('Slack needs SLACK_SIGNING_SECRET');
  const oauth = !socket && Boolean(config.SLACK_CLIENT_ID && config.SLACK_CLIENT_SECRET);
  const mode: SlackMode = socket ? 'socket' : oauth ? 'oauth' : 'single-workspace';
  const botToken = config.SLACK_BOT_TOKEN;
  if (socket && !config.SLACK_APP_TOKEN) throw new Error('SLACK_SOCKET_MODE needs SLACK_APP_TOKEN (an app-level xapp- token with connections:write)');
  if (socket && !botToken) throw new Error('SLACK_SOCKET_MODE runs one workspace: set SLACK_BOT_TOKEN');
  if (oauth && !config.SLACK_STATE_SECRET) throw new Error('Slack OAuth install needs SLACK_STATE_SECRET as well as SLACK_CLIENT_ID and SLACK_CLIENT_SECRET');
  if (!oauth && !botToken) throw new Error('Slack needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET/SLACK_STATE_SECRET for OAuth');
  if (oauth && botToken) log.warn('SLACK_BOT_TOKEN is ignored in OAuth mode: each workspace uses the token from its installation');

  const clientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    // A few quick retries; never minutes of them inside a request's work.
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000 },
  };
  const installations = oauth ? postgresInstallationStore(db, secretBoxFor(config)) : undefined;

  let receiver: Receiver;
  let router: express.Router | undefined;
  if (socket) {
    receiver = new SocketModeReceiver({ appToken: config.SLACK_APP_TOKEN!, logger, installerOptions: { clientOptions } });
  } else {
    router = express.Router();
    // Our gate runs first on the events path; Bolt's own route on the same path only sees verified requests.
    router.post(
      EVENTS_PATH,
      slackRequestGuard({
        signingSecret: signingSecret!,
        signatures: new SeenOnce(d.cacheRedis, `${config.QUEUE_PREFIX}:slack:sig:`, MAX_REQUEST_AGE_SECONDS),
        events: new SeenOnce(d.cacheRedis, `${config.QUEUE_PREFIX}:slack:event:`, 60 * 60),
        log,
      }),
    );
    const installed = (title: string, message: string) => (_i: unknown, _o: unknown, _req: unknown, res: ServerResponse) => {
      res.writeHead(title === 'Installed' ? 200 : 400, { ...MESSAGE_PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(messagePage(title, message));
    };
    receiver = new ExpressReceiver({
      signingSecret: signingSecret!,
      signatureVerification: false, // done above, with replay protection Bolt does not have
      processBeforeResponse: false, // ack() answers the HTTP request at once; work continues after
      router,
      endpoints: EVENTS_PATH,
      logger,
      bodyLimit: MAX_BODY_BYTES,
      ...(oauth
        ? {
            clientId: config.SLACK_CLIENT_ID!,
            clientSecret: config.SLACK_CLIENT_SECRET!,
            stateSecret: config.SLACK_STATE_SECRET!,
            scopes: [...BOT_SCOPES],
            installationStore: installations!,
            redirectUri: `${config.PUBLIC_BASE_URL}${OAUTH_REDIRECT_PATH}`,
            installerOptions: {
              // Single-use state in Redis: a replayed callback is refused (Bolt's default state is only signed).
              stateStore: redisStateStore(d.cacheRedis, `${config.QUEUE_PREFIX}:slack:oauth-state:`),
              directInstall: true,
              installPath: INSTALL_PATH,
              redirectUriPath: OAUTH_REDIRECT_PATH,
              clientOptions,
              ...(authorizationUrl(config.SLACK_API_URL) ? { authorizationUrl: authorizationUrl(config.SLACK_API_URL)! } : {}),
              callbackOptions: {
                success: installed('Installed', 'The app is installed in your workspace. Open Slack and type /storefront help to start.'),
                failure: installed('Installation failed', 'Slack did not complete the installation. Please start again from the install link.'),
              },
            },
          }
        : {}),
    });
  }

  // Single workspace: the configured token. auth.test (for the bot's own user id) runs in the background at
  // start, never on the path to ack().
  let self: { botUserId?: string; botId?: string } = {};
  const authorize: Authorize<boolean> = async (source) => ({ botToken, ...self, teamId: source.teamId, enterpriseId: source.enterpriseId });

  const app = new App({ receiver, logger, clientOptions, convoStore: false, ...(oauth ? {} : { authorize }) });
  app.error(async (err) => {
    log.error({ err }, 'Slack listener failed');
  });
  // Listeners go on working after ack() has answered Slack: keep each request's work until it settles, so shutdown
  // does not close the database under a command, and callers can wait for what was taken to be done.
  const inflight = new Set<Promise<unknown>>();
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event) => {
    const work = processEvent(event);
    inflight.add(work);
    void work.then(
      () => inflight.delete(work),
      () => inflight.delete(work),
    );
    return work;
  };
  const idle = async () => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  };

  const deps: SlackDeps = {
    db,
    readDb: d.readDb ?? db,
    config,
    log,
    users: new SlackUserDirectory(log),
    resolveShort: createShortLinkResolver({ timeoutMs: config.SHORT_LINK_TIMEOUT_MS }),
    installations,
    files: signedFilesFor(config, d.cacheRedis),
  };
  registerCommands(app, deps);
  registerAppHome(app, deps);
  registerLinkShared(app, deps);
  registerRevocation(app, deps);
  registerUnhandledInteractions(app, log);

  return {
    mode,
    app,
    ...(router ? { mount: (web: express.Express) => void web.use(router) } : {}),
    async start() {
      if (!oauth && botToken) {
        app.client.auth
          .test({ token: botToken })
          .then((r) => {
            self = { botUserId: r.user_id, botId: r.bot_id };
          })
          .catch((err: unknown) => log.warn({ err }, 'Slack auth.test failed; check SLACK_BOT_TOKEN'));
      }
      if (socket) await app.start();
      log.info({ mode }, 'Slack is on');
    },
    idle,
    async stop() {
      await withTimeout(idle(), 5000, 'Slack requests in hand').catch(() => log.warn({ left: inflight.size }, 'Slack requests still running at shutdown'));
      if (socket) await app.stop();
    },
  };
}
