// What the Slack listeners share: storage, configuration, a logger, the users.info cache and the resolver
// for amzn.to-style short links.
import type { Config } from '../../src/config.ts';
import type { Db } from '../../src/db/database.ts';
import type { ShortLinkResolver } from '../../src/domain/amazon/shortLinks.ts';
import type { SignedFiles } from '../../src/http/signedFiles.ts';
import type { Logger } from '../../src/log.ts';
import type { SlackUserDirectory } from './identity.ts';
import type { PostgresInstallationStore } from './installationStore.ts';

export interface SlackDeps {
  db: Db;
  /** The read replica (DATABASE_READ_URL) or `db`: for figures only (App Home earnings, /earnings). */
  readDb: Db;
  config: Config;
  log: Logger;
  users: SlackUserDirectory;
  resolveShort: ShortLinkResolver;
  /** Present in OAuth (multi-workspace) mode. */
  installations?: PostgresInstallationStore | undefined;
  /** Where a card's chart and files are served from for Slack (image blocks, download buttons). */
  files?: SignedFiles | undefined;
}
