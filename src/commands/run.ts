// Runs a command for any platform: picks the subcommand, validates arguments, checks the role,
// and turns every failure into a reply a person understands (never a stack trace).
import { isUserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { errorCard } from '../cards/status.ts';
import { helpCard } from '../cards/help.ts';
import { MAX_TEXT, tokenize, UsageError, wordsToArgs } from './textArgs.ts';
import type { Args, Card, CommandContext, CommandDef, Subcommand } from './types.ts';
import { helpLines, usageLine } from './usage.ts';
import { validateArgs } from './validate.ts';
import { failureCard } from './failure.ts';

export function helpReply(cmd: CommandDef, intro?: string): Card {
  return helpCard(cmd.name, intro ?? cmd.description, helpLines(cmd));
}

export interface ParsedInvocation {
  sub?: Subcommand | undefined;
  args: Args;
}

/** Slack-style text: "add B08N5WRWNW Desk setup" → subcommand + named args. */
export function parseText(cmd: CommandDef, text: string): ParsedInvocation | Card {
  if (text.length > MAX_TEXT) return errorCard(`That is too long (${text.length} characters); commands take at most ${MAX_TEXT}.`, usageLine(cmd));
  const words = tokenize(text);
  if (!cmd.subcommands) {
    try {
      return { args: wordsToArgs(words, cmd.options ?? []) };
    } catch (err) {
      return errorCard((err as Error).message, usageLine(cmd));
    }
  }
  const first = words[0]?.toLowerCase();
  if (!first) return helpReply(cmd);
  const sub = cmd.subcommands.find((s) => s.name === first);
  if (!sub) return helpReply(cmd, `Unknown subcommand "${first.slice(0, 30)}".`);
  try {
    return { sub, args: wordsToArgs(words.slice(1), sub.options) };
  } catch (err) {
    return errorCard((err as Error).message, usageLine(cmd, sub));
  }
}

export async function runCommand(cmd: CommandDef, inv: ParsedInvocation, ctx: CommandContext, log: Logger): Promise<Card> {
  const { sub } = inv;
  const usage = usageLine(cmd, sub);
  try {
    if (sub?.managerOnly && !ctx.identity.isManager) {
      return errorCard('Only managers (workspace admins and owners, and people they grant) can do that.');
    }
    const options = sub ? sub.options : (cmd.options ?? []);
    const args = validateArgs(inv.args, options);
    const execute = sub ? sub.execute : cmd.execute;
    if (!execute) return helpReply(cmd);
    return await execute(args, ctx.log ? ctx : { ...ctx, log });
  } catch (err) {
    if (err instanceof UsageError) return errorCard(err.message, usage);
    if (isUserError(err)) return errorCard(err.message, err.code === 'invalid_input' ? usage : undefined);
    return failureCard(err, log, 'command failed', { command: cmd.name, sub: sub?.name, identity: ctx.identity.id });
  }
}
