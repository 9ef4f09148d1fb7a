// What the Discord listeners share: storage, configuration, a logger, the REST client (interaction webhooks
// and bot calls), the resolver for amzn.to-style short links, and the deferred work still running.
import type { REST } from '@discordjs/rest';
import type { Config } from '../../src/config.ts';
import type { Db } from '../../src/db/database.ts';
import type { ShortLinkResolver } from '../../src/domain/amazon/shortLinks.ts';
import type { Logger } from '../../src/log.ts';

export interface DiscordDeps {
  db: Db;
  /** The read replica (DATABASE_READ_URL) or `db`: for figures only (/earnings). */
  readDb: Db;
  config: Config;
  log: Logger;
  rest: REST;
  resolveShort: ShortLinkResolver;
  /** A command still working after this long is deferred (type 5) and its answer edited in later. */
  deferAfterMs: number;
  /** Deferred answers not yet delivered, so shutdown can wait for them. */
  inflight: Set<Promise<void>>;
}

/** Keeps a background promise in deps.inflight until it settles. */
export function track(deps: DiscordDeps, work: Promise<void>): void {
  deps.inflight.add(work);
  void work.finally(() => deps.inflight.delete(work));
}
