// The small cards every command and adapter answers with: an error (with its usage line), a plain notice, a success.
import { card, context, text, type Card } from './card.ts';

export function errorCard(message: string, usage?: string): Card {
  return card({ visibility: 'ephemeral', tone: 'error' }, [text(message), usage && context(`Usage: ${usage}`)]);
}

export function infoCard(message: string): Card {
  return card({ visibility: 'ephemeral', tone: 'info' }, [text(message)]);
}

export function successCard(message: string): Card {
  return card({ visibility: 'ephemeral', tone: 'success' }, [text(message)]);
}

/** Said privately to whoever used a button or shortcut the app no longer has (a stale message, another version). */
export function notHandledCard(): Card {
  return infoCard("That button or shortcut isn't available any more. Run the command again (`/storefront help` lists them) for a fresh one.");
}
