// Turns a line of words (Slack's command text) into named arguments by the option definitions.
// Quotes group words ("Desk setup"); a `rest` option takes the remaining words.
import { UserError } from '../errors.ts';
import type { Args, OptionDef } from './types.ts';

export const MAX_TEXT = 4000;

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|“([^”]*)”|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) tokens.push(m[1] ?? m[2] ?? m[3]!);
  return tokens;
}

export class UsageError extends UserError {
  constructor(message: string) {
    super('invalid_input', message);
  }
}

export function wordsToArgs(words: string[], options: readonly OptionDef[]): Args {
  const args: Args = {};
  let i = 0;
  for (const o of options) {
    if (i >= words.length) break;
    if (o.rest) {
      args[o.name] = words.slice(i).join(' ');
      i = words.length;
    } else {
      args[o.name] = words[i++];
    }
  }
  if (i < words.length) throw new UsageError(`Too many words: "${words.slice(i).join(' ').slice(0, 60)}" was not expected.`);
  return args;
}
