// The one neutral card every answer, notification and digest is made of: an immutable list of elements, built with
// the small functions below (card({ visibility, tone }, [header(…), text(…), fields([…]), …])). Composers in
// src/cards turn plain data into cards; each platform has one pure renderer that switches over the element types
// (bots/slack/render.ts → Block Kit, bots/discord/render.ts → a Discord message). Nothing here knows a platform.
export type Tone = 'info' | 'success' | 'warning' | 'error';
export type Visibility = 'ephemeral' | 'channel';

/** One line of a list: a label, linked when there is a URL we built, and an optional detail. */
export interface CardLine {
  readonly text: string;
  readonly url?: string;
  readonly detail?: string;
}

export interface Field {
  readonly label: string;
  readonly value: string;
  /** Side by side with neighbouring inline fields where the platform can. */
  readonly inline?: boolean;
}

/** A link button: it opens a URL and sends nothing back. */
export interface LinkButton {
  readonly label: string;
  readonly url: string;
}

/** An action button: a press comes back to the command core (src/commands/actions.ts) with its value. */
export interface ActionButton {
  readonly label: string;
  /** An action the command core knows, e.g. claim_approve. Letters, digits and _ only. */
  readonly actionId: string;
  /** Comes back with the press (e.g. a claim number). Never trusted: the action checks who pressed and what. */
  readonly value: string;
  readonly style?: 'primary' | 'danger';
  /** Buttons of one group stay together (a row on Discord, a block on Slack), e.g. Approve and Refuse of one claim. */
  readonly group?: string;
}

/** The card's title (at most one per card). */
export interface HeaderElement {
  readonly type: 'header';
  readonly text: string;
}
/** Plain text; renderers escape it for their markup. The first one carries the tone's marker. */
export interface TextElement {
  readonly type: 'text';
  readonly text: string;
}
export interface FieldsElement {
  readonly type: 'fields';
  readonly fields: readonly Field[];
}
/** A titled section of lines; `more` counts lines left out ("…and N more"). */
export interface ListElement {
  readonly type: 'list';
  readonly title: string;
  readonly lines: readonly CardLine[];
  readonly more?: number;
}
export interface LinksElement {
  readonly type: 'links';
  readonly buttons: readonly LinkButton[];
}
export interface ActionsElement {
  readonly type: 'actions';
  readonly buttons: readonly ActionButton[];
}
/** A picture shown from a public https URL (renderers drop any other). */
export interface ImageElement {
  readonly type: 'image';
  readonly url: string;
  readonly alt: string;
  /** Small, beside the element before it (Slack: that section's image accessory; Discord: the embed thumbnail). */
  readonly thumbnail?: true;
}
/**
 * Text for the hand to copy (a short link): the message's own plain text, outside the card's frame (Discord: the
 * message content; Slack: a section of its own with nothing else in it), so a long press on a phone copies it alone.
 */
export interface CopyElement {
  readonly type: 'copy';
  readonly text: string;
}
/** A chart drawn as PNG: not part of the layout, the platform uploads it with the message (Slack: into its thread). */
export interface ChartElement {
  readonly type: 'chart';
  readonly fileName: string;
  readonly png: Buffer;
  readonly alt: string;
}
/** Any other file that travels with the message (the digest's CSV), uploaded like a chart. */
export interface FileElement {
  readonly type: 'file';
  readonly fileName: string;
  readonly data: Buffer;
  readonly contentType: string;
}
/** Small print at the end: usage, disclosures, what the figures mean. */
export interface ContextElement {
  readonly type: 'context';
  readonly text: string;
}

export type CardElement =
  | HeaderElement
  | TextElement
  | FieldsElement
  | ListElement
  | LinksElement
  | ActionsElement
  | ImageElement
  | ChartElement
  | FileElement
  | ContextElement
  | CopyElement;
export type CardElementType = CardElement['type'];

/** For the `default` of a switch over element types: a new element type without a case fails to compile. */
export function assertNever(x: never): never {
  throw new Error(`unknown card element ${JSON.stringify((x as { type?: unknown }).type)}`);
}

function freeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  for (const v of Object.values(value)) freeze(v);
  return Object.freeze(value);
}

/** A card: who sees it, its tone and its elements, in reading order. Immutable; renderers switch over `elements`. */
export class Card {
  readonly visibility: Visibility;
  readonly tone: Tone | undefined;
  readonly elements: readonly CardElement[];

  constructor(visibility: Visibility, tone: Tone | undefined, elements: readonly CardElement[]) {
    if (elements.filter((e) => e.type === 'header').length > 1) throw new Error('a card has at most one header');
    this.visibility = visibility;
    this.tone = tone;
    this.elements = freeze([...elements]);
    Object.freeze(this);
  }
}

/** Leaves out `false`, `null`, `undefined`, `''` and `0`, so a composer can write `cond && list(…)`. */
export type Maybe<T> = T | false | null | undefined | '' | 0;

export function card(opts: { visibility: Visibility; tone?: Tone | undefined }, elements: ReadonlyArray<Maybe<CardElement>>): Card {
  return new Card(
    opts.visibility,
    opts.tone,
    elements.filter((e): e is CardElement => Boolean(e)),
  );
}

export const header = (text: string): HeaderElement => ({ type: 'header', text });
export const text = (value: string): TextElement => ({ type: 'text', text: value });
export const fields = (list: ReadonlyArray<Maybe<Field>>): FieldsElement => ({ type: 'fields', fields: list.filter((f): f is Field => Boolean(f)) });
export const field = (label: string, value: string, opts: { inline?: boolean } = {}): Field =>
  opts.inline ? { label, value, inline: true } : { label, value };
export const list = (title: string, lines: readonly CardLine[], opts: { more?: number } = {}): ListElement =>
  opts.more !== undefined ? { type: 'list', title, lines, more: opts.more } : { type: 'list', title, lines };
export const line = (label: string, opts: { url?: string | undefined; detail?: string | undefined } = {}): CardLine => ({
  text: label,
  ...(opts.url !== undefined ? { url: opts.url } : {}),
  ...(opts.detail !== undefined ? { detail: opts.detail } : {}),
});
export const links = (buttons: readonly LinkButton[]): LinksElement => ({ type: 'links', buttons });
export const linkButton = (label: string, url: string): LinkButton => ({ label, url });
export const actions = (buttons: readonly ActionButton[]): ActionsElement => ({ type: 'actions', buttons });
export const image = (url: string, alt: string): ImageElement => ({ type: 'image', url, alt });
/** A small picture beside the element before it (a product's photo beside its name). */
export const thumbnail = (url: string, alt: string): ImageElement => ({ type: 'image', url, alt, thumbnail: true });
export const copy = (value: string): CopyElement => ({ type: 'copy', text: value });
export const chart = (fileName: string, png: Buffer, alt: string): ChartElement => ({ type: 'chart', fileName, png, alt });
export const file = (fileName: string, data: Buffer, contentType: string): FileElement => ({ type: 'file', fileName, data, contentType });
export const context = (value: string): ContextElement => ({ type: 'context', text: value });

/** A file that travels with a card's message, in the order the card lists them. */
export interface CardAttachment {
  name: string;
  data: Buffer;
  contentType: string;
}

/** The chart and file elements of a card, as the files a sender uploads with the message. */
export function cardAttachments(c: Card): CardAttachment[] {
  const out: CardAttachment[] = [];
  for (const e of c.elements) {
    if (e.type === 'chart') out.push({ name: e.fileName, data: e.png, contentType: 'image/png' });
    else if (e.type === 'file') out.push({ name: e.fileName, data: e.data, contentType: e.contentType });
  }
  return out;
}

/** The same card for other eyes (e.g. a button's answer, always private). */
export function withVisibility(c: Card, visibility: Visibility): Card {
  return c.visibility === visibility ? c : new Card(visibility, c.tone, c.elements);
}
