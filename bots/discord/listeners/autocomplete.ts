// Autocomplete (interaction type 4 → 8): suggestions for options the core marks `autocomplete` — the caller's
// list names and own products — filtered by what was typed. Must answer within 3 seconds and cannot be
// deferred, so a slow lookup answers with no suggestions rather than late.
import type { APIApplicationCommandAutocompleteInteraction, APICommandAutocompleteInteractionResponseCallbackData } from 'discord-api-types/v10';
import { MAX_SUGGESTIONS, suggest } from '../../../src/commands/autocomplete.ts';
import type { DiscordDeps } from '../deps.ts';
import { callerOf, knownInfluencer } from '../identity.ts';
import { invocationOf } from '../options.ts';
import { clipPlain } from '../render.ts';

export const MAX_CHOICES = 25;
export const MAX_CHOICE_NAME = 100;
export const MAX_CHOICE_VALUE = 100;
export const AUTOCOMPLETE_BUDGET_MS = 2000;

type Choices = NonNullable<APICommandAutocompleteInteractionResponseCallbackData['choices']>;

export async function choicesFor(deps: DiscordDeps, interaction: APIApplicationCommandAutocompleteInteraction): Promise<Choices> {
  const inv = invocationOf(interaction.data);
  const kind = inv?.focused?.def?.autocomplete;
  const caller = callerOf(interaction);
  if (!inv?.focused || !kind || !caller) return [];
  const influencerId = await knownInfluencer(deps.db, caller);
  const found = await suggest(deps.db, { influencerId }, kind, inv.focused.value, Math.min(MAX_CHOICES, MAX_SUGGESTIONS));
  return found
    .filter((s) => s.value.length > 0 && s.value.length <= MAX_CHOICE_VALUE)
    .slice(0, MAX_CHOICES)
    .map((s) => ({ name: clipPlain(s.label.replace(/\s+/g, ' '), MAX_CHOICE_NAME), value: s.value }));
}

export async function answerAutocomplete(deps: DiscordDeps, interaction: APIApplicationCommandAutocompleteInteraction): Promise<Choices> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Choices>((resolve) => {
    timer = setTimeout(() => resolve([]), AUTOCOMPLETE_BUDGET_MS);
  });
  const work = choicesFor(deps, interaction).catch((err: unknown) => {
    deps.log.warn({ err, command: interaction.data.name }, 'Discord autocomplete failed');
    return [] as Choices;
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
