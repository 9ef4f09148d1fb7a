// The command tree (commander): "influencer create" is the subcommand "create" of the group "influencer". A fresh
// tree is built for every run; it never exits the process or writes to the real stdout/stderr itself (exitOverride,
// configureOutput). Parsing only records which command to run with which values; main.ts runs it.
import { Command, Option, type CommanderError } from 'commander';
import type { CliCommand } from './context.ts';

export const PROGRAM = 'npm run cli --';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  success',
  '  1  the operation failed: bad input, nothing found, a configuration error, an ingest that ended "failed"',
  '  2  bad usage: unknown command or option, missing required option, wrong number of arguments',
].join('\n');

/** What each first word of a two-word command is about (its group's help). */
const GROUPS: Record<string, string> = {
  influencer: 'Create and list influencers',
  'tracking-id': 'Register more tracking IDs for an influencer',
  storefront: "Manage an influencer's storefront",
  link: 'Create and list tagged short links',
  org: 'List organisations',
  'feed-source': 'Report URLs polled on a cron schedule',
  catalogue: 'Product details from Amazon (Creators API credentials and status)',
};

export interface Invocation {
  command: CliCommand;
  /** Option values keyed by the option's name as declared ("tracking-id"). */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  json: boolean;
}

export interface ProgramOutput {
  writeOut(s: string): void;
  writeErr(s: string): void;
}

/** The top-level help: every command with its summary (not just the groups), and the exit codes. */
export function rootHelp(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Operator commands over the same domain functions the bots use.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --help (its options) and --json (its result as JSON, for scripts).',
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function configure(cmd: Command, out: ProgramOutput, afterError: string): Command {
  return cmd
    .exitOverride()
    .configureOutput({
      writeOut: out.writeOut,
      writeErr: out.writeErr,
      // Same prefix as the CLI's other errors ("Error: …"), whatever commander says.
      outputError: (s, write) => write(s.replace(/^error: /, 'Error: ').replace(/^(?!Error: )/, 'Error: ')),
      getOutHelpWidth: () => 100,
      getErrHelpWidth: () => 100,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .helpOption('-h, --help', 'show this help')
    .showHelpAfterError(afterError)
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .allowUnknownOption(false);
}

function leafCommand(def: CliCommand, word: string, out: ProgramOutput, onInvoke: (inv: Invocation) => void): Command {
  const synopsis = def.usage.startsWith(def.name) ? def.usage.slice(def.name.length).trim() : def.usage;
  const cmd = configure(new Command(word), out, `Usage: ${PROGRAM} ${def.usage}\nRun "${PROGRAM} ${def.name} --help" for its options.`)
    .description(def.summary)
    .usage(`${synopsis ? `${synopsis} ` : ''}[--json]`);
  for (const a of def.args ?? []) cmd.argument(a.syntax, a.description);
  for (const [name, o] of Object.entries(def.options)) {
    const flags = o.type === 'boolean' ? `--${name}` : `--${name} <${o.value ?? name}>`;
    cmd.addOption(new Option(flags, `${o.description}${o.required ? ' (required)' : ''}`));
  }
  cmd.option('--json', 'print the result as JSON');
  cmd.action((...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const opts = self.opts<Record<string, string | boolean | undefined>>();
    const values = Object.fromEntries(Object.keys(def.options).map((name) => [name, opts[camel(name)]]));
    // Every missing option named at once (commander would stop at the first); an empty value counts as missing.
    const missing = Object.entries(def.options).filter(([name, o]) => o.required && (values[name] === undefined || values[name] === ''));
    if (missing.length) self.error(`Missing ${missing.map(([name]) => `--${name}`).join(', ')}.`, { exitCode: EXIT.usage, code: 'cli.missingOption' });
    const positionals = (self.processedArgs as unknown[]).filter((a): a is string => typeof a === 'string');
    onInvoke({ command: def, values, positionals, json: opts.json === true });
  });
  return cmd;
}

export function buildProgram(commands: CliCommand[], out: ProgramOutput, onInvoke: (inv: Invocation) => void): Command {
  const root = configure(new Command(PROGRAM), out, `Run "${PROGRAM} --help" for the list of commands.`);
  root.configureHelp({ formatHelp: () => rootHelp(commands) }).helpCommand('help [command]', 'show help for a command');
  const groups = new Map<string, Command>();
  for (const def of commands) {
    const words = def.name.split(' ');
    if (words.length === 1) {
      root.addCommand(leafCommand(def, words[0]!, out, onInvoke));
      continue;
    }
    const [group, word] = words as [string, string];
    let parent = groups.get(group);
    if (!parent) {
      parent = configure(new Command(group), out, `Run "${PROGRAM} ${group} --help" for its commands.`)
        .description(GROUPS[group] ?? '')
        .helpCommand('help [command]', 'show help for a command');
      groups.set(group, parent);
      root.addCommand(parent);
    }
    parent.addCommand(leafCommand(def, word, out, onInvoke));
  }
  return root;
}

/** Commander's own exits: help asked for is success, anything else it refuses is bad usage. */
export function exitCodeOf(err: CommanderError): number {
  return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
}
