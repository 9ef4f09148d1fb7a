// Card → a Discord message (embeds, link and action buttons, flags, allowed_mentions). A pure function: no I/O, no clock.
// Owns every Discord message limit and all markdown escaping, so no text from a user (product titles, list
// names, handles) can mention anyone, link anywhere or format anything.
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIButtonComponentWithURL,
  type APIEmbed,
  type APIEmbedField,
} from 'discord-api-types/v10';
import { assertNever, type ActionButton, type Card, type CardLine, type Field, type LinkButton, type Tone } from '../../src/cards/card.ts';
import { clip, fit, isImageUrl as showableImage, isLinkableUrl as linkable, mapOutsideUrls, oneLine, ZWSP } from '../../src/cards/text.ts';

// Discord's documented limits (Message and Embed resources, Components reference).
export const MAX_CONTENT = 2000;
export const MAX_TITLE = 256;
export const MAX_DESCRIPTION = 4096;
export const MAX_FIELDS = 25;
export const MAX_FIELD_NAME = 256;
export const MAX_FIELD_VALUE = 1024;
export const MAX_FOOTER = 2048;
/** Title, description, field names and values and footers of all embeds of one message together. */
export const MAX_EMBED_TOTAL = 6000;
export const MAX_EMBEDS = 10;
export const MAX_BUTTONS_PER_ROW = 5;
export const MAX_ACTION_ROWS = 5;
export const MAX_BUTTON_LABEL = 80;
export const MAX_BUTTON_URL = 512;
/** A button's custom_id (what a press sends back). */
export const MAX_CUSTOM_ID = 100;
/** Longest URL we put behind a masked link [label](url). */
export const MAX_LINK_URL = 2048;
/** Longest URL we put in an embed image. */
export const MAX_IMAGE_URL = 2048;
export const EPHEMERAL = MessageFlags.Ephemeral; // 64

export type LinkButtonRow = APIActionRowComponent<APIButtonComponentWithURL>;
export type ActionRow = APIActionRowComponent<APIButtonComponentWithCustomId>;
/** A row of either kind of button. */
export type ButtonRow = APIActionRowComponent<APIButtonComponentWithURL | APIButtonComponentWithCustomId>;

export interface DiscordMessage {
  content: string;
  embeds: APIEmbed[];
  /** Rows of action buttons (a card's actions, grouped), then rows of link buttons: at most MAX_ACTION_ROWS. */
  components: ButtonRow[];
  /** 64 (ephemeral) for private replies, 0 otherwise. Only interaction responses can be ephemeral. */
  flags: number;
  /** Always empty: nothing we send may ping anyone, whatever the text says. */
  allowed_mentions: { parse: [] };
}

const URL_IN_TEXT = /https?:\/\/[^\s<>()[\]]*[^\s<>()[\].,;:!?'"]/g;

const TONE_COLOUR: Record<Tone, number> = {
  error: 0xed4245,
  warning: 0xfee75c,
  success: 0x57f287,
  info: 0x5865f2,
};

const TONE_MARKER: Record<Tone, string> = {
  error: '❌ **Error:** ',
  warning: '⚠️ ',
  success: '✅ ',
  info: '',
};

/**
 * Escapes any text for a place where Discord renders markdown (embed title, description, field names and
 * values). Markdown characters get a backslash; `<` too, so <@id>, <@&role>, <#channel>, <t:…> and custom
 * emoji stay literal; @everyone and @here get a zero-width space. URLs are left whole, because an escape inside
 * one would end up in the link (Discord does not format inside URLs anyway).
 */
export function escapeMarkdown(raw: string): string {
  return mapOutsideUrls(raw, URL_IN_TEXT, neutralise);
}

function neutralise(s: string): string {
  return s.replace(/[\\*_~`|>#\-[\]()<]/g, (c) => `\\${c}`).replace(/@(everyone|here)/gi, `@${ZWSP}$1`);
}

/** Plain text (footers, button labels) cut by code points so no surrogate pair is split, within Discord's UTF-16 count, adding "…" when cut. */
export function clipPlain(s: string, max: number): string {
  return clip(s, max, { utf16: true });
}

/** How fast an over-long cut shrinks: a third of its excess per step (a backslash at most doubles a character). */
const MARKDOWN_GROWTH = 3;

/** Escapes and fits into `max` characters, cutting the raw text (never an escape) and adding "…". */
export function fitMarkdown(raw: string, max: number): string {
  return fit(raw, max, escapeMarkdown, MARKDOWN_GROWTH);
}

/** Only URLs we built become links: http(s), nothing that could end a markdown link early ( ) [ ], within the limit. */
export function isLinkableUrl(url: string | undefined, max = MAX_LINK_URL): url is string {
  return linkable(url, { max, forbidden: '()[]' });
}

/** Only https pictures of URLs we built are shown. */
export function isImageUrl(url: string | undefined): url is string {
  return showableImage(url, { max: MAX_IMAGE_URL, forbidden: '()[]' });
}

const more = (n: number) => `…and ${n} more`;

function lineMarkdown(l: CardLine): string {
  const label = fitMarkdown(oneLine(l.text), 300);
  const detail = l.detail ? ` — ${fitMarkdown(oneLine(l.detail), 300)}` : '';
  return `• ${isLinkableUrl(l.url) ? `[${label}](${l.url})` : label}${detail}`;
}

interface PendingField {
  field: APIEmbedField;
  /** How many things the reader misses when this field is left out. */
  items: number;
}

/** A list section as one field: as many lines as fit in a field value, then "…and N more". */
function sectionField(title: string, lines: readonly CardLine[], extra: number): PendingField {
  const name = fitMarkdown(title, MAX_FIELD_NAME) || ZWSP;
  const rendered = lines.map(lineMarkdown);
  let value = '';
  let shown = 0;
  for (const line of rendered) {
    const left = rendered.length - shown - 1 + extra;
    const reserve = left > 0 ? more(left).length + 1 : 0;
    const next = value ? `${value}\n${line}` : line;
    if (next.length + reserve > MAX_FIELD_VALUE) break;
    value = next;
    shown++;
  }
  const missing = rendered.length - shown + extra;
  if (missing > 0) value = value ? `${value}\n${more(missing)}` : more(missing);
  if (!value) value = '(empty)';
  return { field: { name, value: value.slice(0, MAX_FIELD_VALUE) }, items: lines.length + extra };
}

function fieldEntries(fields: readonly Field[]): PendingField[] {
  return fields.map((f) => ({
    field: { name: fitMarkdown(f.label, MAX_FIELD_NAME) || ZWSP, value: fitMarkdown(f.value, MAX_FIELD_VALUE) || ZWSP, ...(f.inline ? { inline: true } : {}) },
    items: 1,
  }));
}

function buttonRows(buttons: readonly LinkButton[]): LinkButtonRow[] {
  const usable = buttons.filter((b) => isLinkableUrl(b.url, MAX_BUTTON_URL)).slice(0, MAX_BUTTONS_PER_ROW * MAX_ACTION_ROWS);
  const rows: LinkButtonRow[] = [];
  for (let i = 0; i < usable.length; i += MAX_BUTTONS_PER_ROW) {
    rows.push({
      type: ComponentType.ActionRow,
      components: usable.slice(i, i + MAX_BUTTONS_PER_ROW).map((b) => ({
        type: ComponentType.Button,
        style: ButtonStyle.Link,
        // Button labels are plain text (no markdown, no mentions): only clipped.
        label: clipPlain(oneLine(b.label).trim(), MAX_BUTTON_LABEL) || 'Open',
        url: b.url,
      })),
    });
  }
  return rows;
}

/** A card action's custom_id: its actionId and its value (read back with parseCustomId). */
export function discordCustomId(actionId: string, value: string): string {
  return `${actionId}:${value}`;
}

export function parseCustomId(customId: string): { actionId: string; value: string } | undefined {
  const m = /^([A-Za-z0-9_]{1,64}):(.*)$/s.exec(customId);
  return m ? { actionId: m[1]!, value: m[2]! } : undefined;
}

const ACTION_STYLE = { primary: ButtonStyle.Primary, danger: ButtonStyle.Danger } as const;

/** Action buttons: a row per group (and per 5 buttons). A custom_id over Discord's limit, or seen before on the card, is left out. */
function actionRows(actions: readonly ActionButton[], seen: Set<string>): ActionRow[] {
  const rows: ActionRow[] = [];
  let group: string | undefined;
  for (const a of actions) {
    const customId = discordCustomId(a.actionId, a.value);
    if (!/^[A-Za-z0-9_]{1,64}$/.test(a.actionId) || customId.length > MAX_CUSTOM_ID || seen.has(customId)) continue;
    seen.add(customId);
    const button: APIButtonComponentWithCustomId = {
      type: ComponentType.Button,
      style: a.style ? ACTION_STYLE[a.style] : ButtonStyle.Secondary,
      label: clipPlain(oneLine(a.label).trim(), MAX_BUTTON_LABEL) || 'OK',
      custom_id: customId,
    };
    const last = rows.at(-1);
    if (last && a.group === group && last.components.length < MAX_BUTTONS_PER_ROW) last.components.push(button);
    else rows.push({ type: ComponentType.ActionRow, components: [button] });
    group = a.group;
  }
  return rows;
}

const fieldSize = (f: APIEmbedField) => f.name.length + f.value.length;

/** How an embed refers to a file uploaded with its message. */
export function attachmentUrl(fileName: string): string {
  return `attachment://${fileName}`;
}

/** The embeds, buttons, flags and allowed_mentions for a card (or a card record). */
export const renderReply = (card: Card): DiscordMessage => renderCard(card);

export function renderCard(card: Card): DiscordMessage {
  const tone = card.tone ?? 'info';
  const colour = TONE_COLOUR[tone];
  // One embed layout: the header is the title, texts the description, fields and lists embed fields, context the footer.
  let titleText: string | undefined;
  const texts: string[] = [];
  const pending: PendingField[] = [];
  const footers: string[] = [];
  let imageUrl: string | undefined;
  let thumbnailUrl: string | undefined;
  const copied: string[] = [];
  const rows: ButtonRow[] = [];
  const seenActions = new Set<string>();
  for (const el of card.elements) {
    switch (el.type) {
      case 'header':
        titleText ??= el.text;
        break;
      case 'text':
        if (el.text) texts.push(el.text);
        break;
      case 'fields':
        pending.push(...fieldEntries(el.fields));
        break;
      case 'list':
        pending.push(sectionField(el.title, el.lines, el.more ?? 0));
        break;
      case 'image':
        if (!isImageUrl(el.url)) break;
        if (el.thumbnail) thumbnailUrl ??= el.url;
        else imageUrl ??= el.url;
        break;
      case 'copy':
        // The message's own text, outside the embed: a long press copies exactly this.
        if (el.text) copied.push(el.text);
        break;
      case 'actions':
        rows.push(...actionRows(el.buttons, seenActions));
        break;
      case 'links':
        rows.push(...buttonRows(el.buttons));
        break;
      case 'context':
        footers.push(el.text);
        break;
      case 'chart':
        // Uploaded with the message (sender, command answers); the embed shows the first one as its picture.
        imageUrl ??= attachmentUrl(el.fileName);
        break;
      case 'file':
        // Not embed content: attached to the message (bots/discord/sender.ts, listeners/commands.ts).
        break;
      default:
        assertNever(el);
    }
  }
  const text = texts.join('\n\n');
  const title = titleText ? fitMarkdown(oneLine(titleText), MAX_TITLE) : '';
  // Footers show no markdown and no mentions: plain text, clipped.
  const footer = footers.length ? clipPlain(footers.join('\n'), MAX_FOOTER) : '';
  const marker = TONE_MARKER[tone];
  const notice = (n: number): APIEmbedField => ({ name: ZWSP, value: more(n) });
  // Room always kept for the "…and N more" field in case something has to go.
  const reserve = fieldSize(notice(99_999));
  const descriptionRoom = Math.min(MAX_DESCRIPTION, MAX_EMBED_TOTAL - title.length - footer.length - reserve) - marker.length;
  let description = text || marker ? marker + fitMarkdown(text, descriptionRoom) : '';

  let budget = MAX_EMBED_TOTAL - title.length - footer.length - description.length;
  const placed: APIEmbedField[] = [];
  let dropped = 0;
  const maxFields = MAX_FIELDS * MAX_EMBEDS;
  pending.forEach((p, i) => {
    const last = i === pending.length - 1;
    const size = fieldSize(p.field);
    const slotsLeft = maxFields - placed.length - (last ? 0 : 1);
    if (dropped === 0 && slotsLeft > 0 && size + (last ? 0 : reserve) <= budget) {
      placed.push(p.field);
      budget -= size;
    } else {
      dropped += p.items;
    }
  });
  if (dropped > 0) placed.push(notice(dropped));

  const embeds: APIEmbed[] = [];
  for (let i = 0; i < Math.max(1, placed.length); i += MAX_FIELDS) {
    const fields = placed.slice(i, i + MAX_FIELDS);
    embeds.push({ color: colour, ...(fields.length ? { fields } : {}) });
  }
  const first = embeds[0]!;
  if (title) first.title = title;
  if (!description && !title && placed.length === 0 && !footer) description = ZWSP;
  if (description) first.description = description;
  if (imageUrl) first.image = { url: imageUrl };
  if (thumbnailUrl) first.thumbnail = { url: thumbnailUrl };
  if (footer) embeds[embeds.length - 1]!.footer = { text: footer };

  return {
    content: copied.length ? fitMarkdown(copied.join('\n'), MAX_CONTENT) : '',
    embeds,
    components: rows.slice(0, MAX_ACTION_ROWS),
    flags: card.visibility === 'ephemeral' ? EPHEMERAL : 0,
    allowed_mentions: { parse: [] },
  };
}

/** Characters Discord counts against the 6000 limit, for tests and callers that append embeds. */
export function embedsSize(embeds: readonly APIEmbed[]): number {
  let n = 0;
  for (const e of embeds) {
    n += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0);
    for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  }
  return n;
}
