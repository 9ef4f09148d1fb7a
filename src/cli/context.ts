// What every CLI command gets: configuration, a migrated database, and the product resolver.
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { createShortLinkResolver, type ShortLinkResolver } from '../domain/amazon/shortLinks.ts';

export interface CliContext {
  config: Config;
  db: Db;
  resolveShort: ShortLinkResolver;
  out: (line: string) => void;
}

export function makeResolver(config: Config): ShortLinkResolver {
  return createShortLinkResolver({ timeoutMs: config.SHORT_LINK_TIMEOUT_MS });
}

export interface CliCommand {
  /** Words that select it, e.g. "influencer create". */
  name: string;
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; description: string; required?: boolean }>;
  /** Whether positional arguments are accepted (e.g. a file). */
  positionals?: string;
  run(ctx: CliContext, values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<unknown>;
  /** Human-readable rendering of the result; --json prints the result itself. */
  format(result: never): string;
}
