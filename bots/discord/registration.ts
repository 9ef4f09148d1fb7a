// The Discord application commands, built from the command core's definitions (the same ones Slack's manifest
// and help text read), and checked against Discord's rules when built, so a definition Discord would refuse
// fails here with its name rather than at deploy time.
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import { COMMANDS } from '../../src/commands/index.ts';
import type { CommandDef, OptionDef } from '../../src/commands/types.ts';

/**
 * Discord's application command limits (Application Commands reference). One object, so they never mix with the
 * message limits in render.ts, whose description is another size (4096 there, 100 here).
 */
export const COMMAND_LIMITS = {
  /** Characters of a command, subcommand or option name. */
  name: 32,
  description: 100,
  /** Options of a command, or subcommands of a command. */
  options: 25,
  choices: 25,
  /** Characters of a string option's value. */
  stringLength: 6000,
  /** Global chat-input commands of an application. */
  commands: 100,
} as const;
const NAME_RE = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export type DiscordCommand = RESTPostAPIChatInputApplicationCommandsJSONBody;

const TYPE: Record<OptionDef['type'], ApplicationCommandOptionType.String | ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.User> = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  user: ApplicationCommandOptionType.User,
};

/** Descriptions longer than Discord allows are cut at a word with "…" (the full text stays in /… help). */
export function shortDescription(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= COMMAND_LIMITS.description) return t;
  const cut = t.slice(0, COMMAND_LIMITS.description - 1);
  const atWord = cut.lastIndexOf(' ');
  return `${(atWord > COMMAND_LIMITS.description / 2 ? cut.slice(0, atWord) : cut).replace(/[\s,.;:]+$/, '')}…`;
}

function checkName(name: string, where: string, problems: string[]): void {
  if (name !== name.toLowerCase() || !NAME_RE.test(name))
    problems.push(`${where}: "${name}" must be 1-${COMMAND_LIMITS.name} lowercase letters, digits, - or _`);
}

function option(o: OptionDef, where: string, problems: string[]): APIApplicationCommandBasicOption {
  checkName(o.name, where, problems);
  const base = { name: o.name, description: shortDescription(o.description), required: o.required ?? false };
  if (o.choices && o.autocomplete) problems.push(`${where} ${o.name}: choices and autocomplete cannot both be set`);
  if ((o.choices?.length ?? 0) > COMMAND_LIMITS.choices) problems.push(`${where} ${o.name}: at most ${COMMAND_LIMITS.choices} choices`);
  if (o.type === 'user') return { ...base, type: ApplicationCommandOptionType.User };
  if (o.type === 'integer') {
    return {
      ...base,
      type: ApplicationCommandOptionType.Integer,
      ...(o.choices ? { choices: o.choices.map((c) => ({ name: c, value: Number(c) })) } : o.autocomplete ? { autocomplete: true } : {}),
    } as APIApplicationCommandBasicOption;
  }
  return {
    ...base,
    type: TYPE.string,
    ...(o.maxLength ? { max_length: Math.min(o.maxLength, COMMAND_LIMITS.stringLength) } : {}),
    ...(o.choices ? { choices: o.choices.map((c) => ({ name: c, value: c })) } : o.autocomplete ? { autocomplete: true } : {}),
  } as APIApplicationCommandBasicOption;
}

function options(list: readonly OptionDef[], where: string, problems: string[]): APIApplicationCommandBasicOption[] {
  if (list.length > COMMAND_LIMITS.options) problems.push(`${where}: at most ${COMMAND_LIMITS.options} options`);
  const firstOptional = list.findIndex((o) => !o.required);
  if (firstOptional >= 0 && list.slice(firstOptional).some((o) => o.required)) problems.push(`${where}: required options must come before optional ones`);
  return list.map((o) => option(o, where, problems));
}

/** One chat-input command per core command; subcommands become options of type 1. */
export function discordCommand(cmd: CommandDef, problems: string[] = []): DiscordCommand {
  checkName(cmd.name, `/${cmd.name}`, problems);
  const body: DiscordCommand = {
    type: ApplicationCommandType.ChatInput,
    name: cmd.name,
    description: shortDescription(cmd.description),
    // Usable in servers and in the bot's DMs (own data only there), for apps installed into a server.
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    integration_types: [ApplicationIntegrationType.GuildInstall],
  };
  if (cmd.subcommands) {
    if (cmd.subcommands.length > COMMAND_LIMITS.options) problems.push(`/${cmd.name}: at most ${COMMAND_LIMITS.options} subcommands`);
    body.options = cmd.subcommands.map((s): APIApplicationCommandSubcommandOption => {
      const where = `/${cmd.name} ${s.name}`;
      checkName(s.name, where, problems);
      return {
        type: ApplicationCommandOptionType.Subcommand,
        name: s.name,
        description: shortDescription(s.description),
        options: options(s.options, where, problems),
      };
    });
  } else {
    body.options = options(cmd.options ?? [], `/${cmd.name}`, problems);
  }
  return body;
}

/** Every command for a bulk overwrite (PUT), or an Error naming each rule a definition breaks. */
export function discordCommands(defs: readonly CommandDef[] = COMMANDS): DiscordCommand[] {
  const problems: string[] = [];
  const out = defs.map((d) => discordCommand(d, problems));
  if (out.length > COMMAND_LIMITS.commands) problems.push(`at most ${COMMAND_LIMITS.commands} commands`);
  if (new Set(out.map((c) => c.name)).size !== out.length) problems.push('command names must be unique');
  if (problems.length) throw new Error(`Discord would refuse these command definitions:\n- ${problems.join('\n- ')}`);
  return out;
}
