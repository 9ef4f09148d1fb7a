// Usage lines and help text, generated from the definitions so they never drift from the commands.
import type { CommandDef, OptionDef, Subcommand } from './types.ts';

export function optionUsage(o: OptionDef): string {
  const name = o.choices ? o.choices.join('|') : o.name;
  return o.required ? `<${name}>` : `[${name}]`;
}

export function usageLine(cmd: CommandDef, sub?: Subcommand): string {
  const opts = sub ? sub.options : (cmd.options ?? []);
  return [`/${cmd.name}`, ...(sub ? [sub.name] : []), ...opts.map(optionUsage)].join(' ');
}

export function helpLines(cmd: CommandDef): Array<{ usage: string; description: string }> {
  if (cmd.subcommands) return cmd.subcommands.map((s) => ({ usage: usageLine(cmd, s), description: s.description }));
  return [{ usage: usageLine(cmd), description: cmd.description }];
}
