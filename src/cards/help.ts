// A command's help: its usage lines, generated from the definitions by the command core.
import { card, header, line, list, text, type Card } from './card.ts';

/** Lines per list: a Discord field holds 1,024 characters, about six usage lines with their descriptions. */
const PER_LIST = 6;

export function helpCard(commandName: string, intro: string, commands: ReadonlyArray<{ usage: string; description: string }>): Card {
  const lists = [];
  for (let i = 0; i < commands.length; i += PER_LIST) {
    lists.push(
      list(
        i === 0 ? 'Commands' : 'More commands',
        commands.slice(i, i + PER_LIST).map((c) => line(c.usage, { detail: c.description })),
      ),
    );
  }
  return card({ visibility: 'ephemeral', tone: 'info' }, [header(`/${commandName}`), text(intro), ...lists]);
}
