// What every CLI command gets: configuration, a migrated database, and the product resolver.
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { createShortLinkResolver, type ShortLinkResolver } from '../domain/amazon/shortLinks.ts';
import type { ProgressLine } from './progress.ts';

export interface CliContext {
  config: Config;
  db: Db;
  resolveShort: ShortLinkResolver;
  out: (line: string) => void;
  /** A live status line on the operator's terminal; absent with --json or when stderr is not a TTY. */
  progress?: ProgressLine | undefined;
}

export function makeResolver(config: Config): ShortLinkResolver {
  return createShortLinkResolver({ timeoutMs: config.SHORT_LINK_TIMEOUT_MS });
}

export interface CliOption {
  type: 'string' | 'boolean';
  description: string;
  /** Checked before the command runs; a missing one is bad usage (exit 2). */
  required?: boolean;
  /** The value's name in help, e.g. "id-20" for `--tracking-id <id-20>` (default: the option's name). */
  value?: string;
}

export interface CliCommand {
  /** Words that select it, e.g. "influencer create". */
  name: string;
  summary: string;
  /** Synopsis shown after "Usage: npm run cli --", starting with the command's words. */
  usage: string;
  options: Record<string, CliOption>;
  /** Positional arguments, in commander's notation: `<file>` (required) or `[file]` (optional). */
  args?: Array<{ syntax: string; description: string }>;
  run(ctx: CliContext, values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<unknown>;
  /** Human-readable rendering of the result; --json prints the result itself. */
  format(result: never): string;
  /** A result that is itself a failure (an ingest that ended `failed`): the one line saying why; the CLI exits 1. */
  failure?(result: never): string | undefined;
}

/** An option's value as a string, or undefined when it was not given (or given as a bare flag). */
export const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
