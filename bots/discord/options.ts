// Discord's typed options → the command core's invocation (subcommand + named Args). Subcommands arrive as an
// option of type 1 holding their own options; a user option's value is the user's id.
import { ApplicationCommandOptionType, type APIApplicationCommandInteractionDataOption } from 'discord-api-types/v10';
import { findCommand } from '../../src/commands/index.ts';
import type { ParsedInvocation } from '../../src/commands/run.ts';
import type { Args, CommandDef, OptionDef } from '../../src/commands/types.ts';

export interface DiscordInvocation extends ParsedInvocation {
  def: CommandDef;
  /** Subcommand expected but none given (only an outdated registration sends that). */
  missingSub: boolean;
  /** The option being typed, for autocomplete. */
  focused?: { name: string; value: string; def: OptionDef | undefined } | undefined;
}

interface RawOption {
  name: string;
  type: number;
  value?: unknown;
  focused?: boolean;
  options?: RawOption[];
}

function valueOf(o: RawOption): string | number | undefined {
  if (typeof o.value === 'number' || typeof o.value === 'string') return o.value;
  if (typeof o.value === 'boolean') return String(o.value);
  return undefined;
}

/** The invocation for a command's data, or undefined when the command is not one of ours. */
export function invocationOf(data: { name: string; options?: APIApplicationCommandInteractionDataOption[] | undefined }): DiscordInvocation | undefined {
  const def = findCommand(data.name);
  if (!def) return undefined;
  let options = (data.options ?? []) as unknown as RawOption[];
  let sub: ParsedInvocation['sub'];
  let missingSub = false;
  if (def.subcommands) {
    const chosen = options.find((o) => o.type === ApplicationCommandOptionType.Subcommand);
    sub = chosen ? def.subcommands.find((s) => s.name === chosen.name) : undefined;
    missingSub = !sub;
    options = chosen?.options ?? [];
  }
  const defs = sub ? sub.options : (def.options ?? []);
  const args: Args = {};
  let focused: DiscordInvocation['focused'];
  for (const o of options) {
    const v = valueOf(o);
    if (v === undefined) continue;
    args[o.name] = v;
    if (o.focused) focused = { name: o.name, value: String(v), def: defs.find((d) => d.name === o.name) };
  }
  return { def, sub, args, missingSub, focused };
}
