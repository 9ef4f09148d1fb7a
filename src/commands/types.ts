// The platform-neutral command model: definitions and the identity a command runs as. Every command answers with a
// card (src/cards), composed from plain data; Slack and Discord adapters render it. Nothing here knows either platform.
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { ShortLinkResolver } from '../domain/amazon/shortLinks.ts';
import type { Identity } from '../domain/workspaces/identities.ts';
import type { Logger } from '../log.ts';
import type { Card } from '../cards/card.ts';

export type { Card } from '../cards/card.ts';

export type OptionType = 'string' | 'integer' | 'user';

export interface OptionDef {
  name: string;
  description: string;
  type: OptionType;
  required?: boolean;
  /** Fixed choices (Discord shows them as a menu; Slack validates the word). */
  choices?: readonly string[];
  /** Takes the rest of the words on Slack (e.g. a list name with spaces). Only on the last option. */
  rest?: boolean;
  maxLength?: number;
  /** The adapter may offer suggestions for this option (Discord autocomplete). */
  autocomplete?: 'list' | 'own-product';
}

export type Args = Record<string, string | number | undefined>;

export interface Subcommand {
  name: string;
  description: string;
  options: readonly OptionDef[];
  /** Managers only (admins, owners and those they granted). */
  managerOnly?: boolean;
  execute(args: Args, ctx: CommandContext): Promise<Card>;
}

export interface CommandDef {
  name: string;
  description: string;
  /** Either subcommands (/storefront add …) or a single handler with options (/link …). */
  subcommands?: readonly Subcommand[];
  options?: readonly OptionDef[];
  execute?(args: Args, ctx: CommandContext): Promise<Card>;
}

export interface CommandContext {
  db: Db;
  /** Where figures are read (the read replica, DATABASE_READ_URL), when it is not `db`. */
  readDb?: Db;
  config: Pick<Config, 'PUBLIC_BASE_URL'>;
  identity: Identity;
  resolveShort: ShortLinkResolver;
  /** Where the command was typed (channel id), for "here" destinations. Undefined in DMs on some platforms. */
  channelId?: string | undefined;
  isDirectMessage?: boolean;
  now?: () => Date;
  /** The adapter's logger (set by runCommand and runAction): decisions worth a log line say who made them. */
  log?: Logger;
}
