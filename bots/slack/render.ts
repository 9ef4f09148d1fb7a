// Card → Block Kit. A pure function: no I/O, no clock. Owns every Slack limit and all mrkdwn escaping,
// so no text from a user (product titles, list names, handles) can mention, link or format anything.
import { assertNever, type ActionButton, type Card, type CardLine, type Field, type LinkButton, type Tone } from '../../src/cards/card.ts';
import { clip, fit, isImageUrl as showableImage, isLinkableUrl as linkable, mapOutsideUrls, oneLine, ZWSP } from '../../src/cards/text.ts';

// Slack's documented limits (Block Kit reference).
export const MAX_SECTION_TEXT = 3000;
export const MAX_HEADER_TEXT = 150;
export const MAX_FIELDS_PER_SECTION = 10;
export const MAX_FIELD_TEXT = 2000;
export const MAX_BLOCKS_PER_MESSAGE = 50;
export const MAX_BLOCKS_PER_VIEW = 100;
export const MAX_BUTTON_TEXT = 75;
export const MAX_URL = 3000;
export const MAX_ACTIONS_PER_BLOCK = 25;
export const MAX_CONTEXT_TEXT = 3000;
export const MAX_ALT_TEXT = 2000;
export const MAX_ACTION_ID = 255;
export const MAX_BUTTON_VALUE = 2000;
/** Top-level `text` is the notification / screen-reader fallback; keep it short. */
export const MAX_FALLBACK_TEXT = 3000;

export interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[]; accessory?: SlackImage }
  | { type: 'actions'; elements: SlackButton[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'image'; image_url: string; alt_text: string }
  | { type: 'divider' };

/** A picture: a section's accessory (a thumbnail beside its text). */
export interface SlackImage {
  type: 'image';
  image_url: string;
  alt_text: string;
}

/** A link button (url) or an action button (value, sent back in a block_actions payload). */
export interface SlackButton {
  type: 'button';
  text: TextObject;
  action_id: string;
  url?: string;
  value?: string;
  style?: 'primary' | 'danger';
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface RenderOptions {
  /** 50 for messages (default), 100 for App Home views. */
  maxBlocks?: number;
}

const URL_IN_TEXT = /https?:\/\/[^\s<>]+/g;

const TONE_MARKER: Record<Tone, string> = {
  error: ':x: *Error:* ',
  warning: ':warning: ',
  success: ':white_check_mark: ',
  info: '',
};

/** &, <, > as entities (so <!channel>, <@U…>, <url|label> stay literal text). */
function entities(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes any text for a mrkdwn field: entities everywhere, and formatting characters (* _ ~ `) fenced with
 * zero-width spaces outside URLs, so they can neither open nor close bold, italic, strike or code.
 * URLs are left whole (only entity-escaped) so Slack still links them and copy-paste keeps them intact.
 * A `>` starting a line would quote it; it gets a zero-width space in front.
 */
export function escapeMrkdwn(raw: string): string {
  return mapOutsideUrls(raw, URL_IN_TEXT, neutralise, entities).replace(/(^|\n)([ \t]*)&gt;/g, `$1$2${ZWSP}&gt;`);
}

function neutralise(s: string): string {
  return entities(s).replace(/[*_~`]/g, (c) => `${ZWSP}${c}${ZWSP}`);
}

/** Plain text (header, button label) cut by code points so no surrogate pair is split. */
const clipPlain = (s: string, max: number) => clip(s, max);

/** One escaped character may become five (`&amp;`). */
const MRKDWN_GROWTH = 5;

/** Escapes and fits into `max` characters, cutting the raw text (never an entity or a fence) and adding "…". */
export function fitMrkdwn(raw: string, max: number): string {
  return fit(raw, max, escapeMrkdwn, MRKDWN_GROWTH);
}

/** Only URLs we built become links: http(s), no whitespace or Slack control characters (`|` ends a link label), within the limit. */
export function isLinkableUrl(url: string | undefined): url is string {
  return linkable(url, { max: MAX_URL, forbidden: '|' });
}

/** Only https pictures of URLs we built are shown. */
export function isImageUrl(url: string | undefined): url is string {
  return showableImage(url, { max: MAX_URL, forbidden: '|' });
}

const slackImage = (url: string, alt: string): SlackImage => ({ type: 'image', image_url: url, alt_text: clipPlain(oneLine(alt), MAX_ALT_TEXT) || 'image' });

/** One list line: a link only for a URL we built, with its label and detail escaped and fitted. */
function lineMrkdwn(l: CardLine): string {
  const label = fitMrkdwn(oneLine(l.text), 1000);
  const detail = l.detail ? ` — ${fitMrkdwn(l.detail, 800)}` : '';
  const linked = isLinkableUrl(l.url) && l.url.length * 2 + label.length + detail.length + 8 <= MAX_SECTION_TEXT;
  return `• ${linked ? `<${l.url!.replace(/&/g, '&amp;')}|${label}>` : label}${detail}`;
}

const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text });
const more = (n: number) => `_…and ${n} more_`;

/** Packs lines into as few section blocks as the 3000-character limit allows; the first carries the title. */
function listBlocks(title: string, lines: readonly CardLine[], extra: number): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  let current = `*${fitMrkdwn(title, 200)}*`;
  const rendered = lines.map(lineMrkdwn);
  if (rendered.length === 0 && extra === 0) rendered.push('_(empty)_');
  for (const line of rendered) {
    if (current.length + 1 + line.length > MAX_SECTION_TEXT) {
      blocks.push({ type: 'section', text: mrkdwn(current) });
      current = line.slice(0, MAX_SECTION_TEXT);
    } else {
      current = current ? `${current}\n${line}` : line;
    }
  }
  if (extra > 0) {
    const tail = more(extra);
    if (current.length + 1 + tail.length > MAX_SECTION_TEXT) {
      blocks.push({ type: 'section', text: mrkdwn(current) });
      current = tail;
    } else current = `${current}\n${tail}`;
  }
  blocks.push({ type: 'section', text: mrkdwn(current) });
  return blocks;
}

function fieldBlocks(fields: readonly Field[]): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  let run: TextObject[] = [];
  const flush = () => {
    for (let i = 0; i < run.length; i += MAX_FIELDS_PER_SECTION) blocks.push({ type: 'section', fields: run.slice(i, i + MAX_FIELDS_PER_SECTION) });
    run = [];
  };
  for (const f of fields) {
    const label = `*${fitMrkdwn(f.label, 100)}*\n`;
    if (f.inline) {
      run.push(mrkdwn(label + fitMrkdwn(f.value, MAX_FIELD_TEXT - label.length)));
    } else {
      flush();
      blocks.push({ type: 'section', text: mrkdwn(label + fitMrkdwn(f.value, MAX_SECTION_TEXT - label.length)) });
    }
  }
  flush();
  return blocks;
}

/** Link buttons; `first` numbers them on from earlier link buttons of the card. */
function buttonBlocks(buttons: readonly LinkButton[], first: number): SlackBlock[] {
  const usable = buttons.filter((b) => isLinkableUrl(b.url));
  const blocks: SlackBlock[] = [];
  for (let i = 0; i < usable.length; i += MAX_ACTIONS_PER_BLOCK) {
    blocks.push({
      type: 'actions',
      elements: usable.slice(i, i + MAX_ACTIONS_PER_BLOCK).map((b, j) => ({
        type: 'button',
        text: { type: 'plain_text', text: clipPlain(oneLine(b.label), MAX_BUTTON_TEXT), emoji: true },
        url: b.url,
        action_id: `link_button_${first + i + j}`,
      })),
    });
  }
  return blocks;
}

/** An action id of the command core: letters, digits and _. */
const ACTION_ID = /^[A-Za-z0-9_]{1,64}$/;

/**
 * Slack's action_id for a card action: its actionId and its place in the message, so two buttons of one action (Approve
 * #12, Approve #13) never share an action_id. The listener reads the action back with parseSlackActionId.
 */
export function slackActionId(actionId: string, index: number): string {
  return `${actionId}#${index}`;
}

export function parseSlackActionId(actionId: string): string | undefined {
  const m = /^([A-Za-z0-9_]{1,64})#\d{1,4}$/.exec(actionId);
  return m?.[1];
}

/** Action buttons: one actions block per group (and per 25 buttons), in order; `first` numbers them on from earlier action buttons of the card. */
function actionBlocks(actions: readonly ActionButton[], first: number): SlackBlock[] {
  const blocks: Array<{ type: 'actions'; elements: SlackButton[] }> = [];
  let group: string | undefined;
  actions.forEach((a, i) => {
    const index = first + i;
    if (!ACTION_ID.test(a.actionId) || a.value.length > MAX_BUTTON_VALUE) return;
    const element: SlackButton = {
      type: 'button',
      text: { type: 'plain_text', text: clipPlain(oneLine(a.label), MAX_BUTTON_TEXT), emoji: true },
      action_id: slackActionId(a.actionId, index),
      value: a.value,
      ...(a.style ? { style: a.style } : {}),
    };
    const last = blocks.at(-1);
    if (last && a.group === group && last.elements.length < MAX_ACTIONS_PER_BLOCK) last.elements.push(element);
    else blocks.push({ type: 'actions', elements: [element] });
    group = a.group;
  });
  return blocks;
}

function fallbackText(card: Card): string {
  // What a notification shows: the text to copy, the header and the text; else the first list's title or field's label.
  const texts = (type: 'copy' | 'header' | 'text') => card.elements.flatMap((e) => (e.type === type ? [e.text] : []));
  const parts = [...texts('copy'), texts('header')[0], texts('text').join('\n\n')].filter((p): p is string => Boolean(p));
  const firstList = card.elements.find((e) => e.type === 'list');
  const firstFields = card.elements.find((e) => e.type === 'fields');
  const plain = parts.length ? parts.join(' — ') : (firstList?.title ?? firstFields?.fields[0]?.label ?? 'Reply');
  const marker = card.tone === 'error' ? 'Error: ' : '';
  return fitMrkdwn(marker + plain, MAX_FALLBACK_TEXT);
}

/**
 * Where a block sits when a message has more blocks than Slack allows: the head (title, text) and the tail (buttons,
 * small print) stay, the body (fields, lists, images) gives way from its end, replaced by "…and N more".
 */
type Part = 'head' | 'body' | 'tail';

/** The Block Kit blocks and fallback text for a card. */
export const renderReply = (card: Card, opts: RenderOptions = {}): SlackMessage => renderCard(card, opts);

export function renderCard(card: Card, opts: RenderOptions = {}): SlackMessage {
  const maxBlocks = opts.maxBlocks ?? MAX_BLOCKS_PER_MESSAGE;
  const placed: Array<{ part: Part; block: SlackBlock }> = [];
  const put = (part: Part, blocks: SlackBlock[]) => placed.push(...blocks.map((block) => ({ part, block })));
  // The tone's marker leads the first text; a card without text gets it on its own, after the header.
  let marker = TONE_MARKER[card.tone ?? 'info'];
  const markerAlone = () => {
    if (marker) put('head', [{ type: 'section', text: mrkdwn(marker) }]);
    marker = '';
  };
  let actionCount = 0;
  let linkCount = 0;
  // The section a thumbnail sits beside: the last one a text, fields or list element made.
  let lastSection: Extract<SlackBlock, { type: 'section' }> | undefined;
  const sections = (blocks: SlackBlock[]) => {
    for (const b of blocks) if (b.type === 'section') lastSection = b;
    return blocks;
  };

  for (const el of card.elements) {
    if (el.type !== 'header' && el.type !== 'text' && el.type !== 'copy' && !(el.type === 'image' && el.thumbnail)) markerAlone();
    switch (el.type) {
      case 'header':
        put('head', [{ type: 'header', text: { type: 'plain_text', text: clipPlain(oneLine(el.text), MAX_HEADER_TEXT), emoji: true } }]);
        break;
      case 'text':
        if (el.text || marker) put('head', sections([{ type: 'section', text: mrkdwn(marker + fitMrkdwn(el.text, MAX_SECTION_TEXT - marker.length)) }]));
        marker = '';
        break;
      case 'copy':
        // Alone in its section, no marker or formatting: a long press copies exactly this.
        if (el.text) put('head', [{ type: 'section', text: mrkdwn(fitMrkdwn(el.text, MAX_SECTION_TEXT)) }]);
        break;
      case 'fields':
        put('body', sections(fieldBlocks(el.fields)));
        break;
      case 'list':
        put('body', sections(listBlocks(el.title, el.lines, el.more ?? 0)));
        break;
      case 'image':
        if (!isImageUrl(el.url)) break;
        if (!el.thumbnail) put('body', [slackImage(el.url, el.alt)]);
        else if (lastSection && !lastSection.accessory) lastSection.accessory = slackImage(el.url, el.alt);
        break;
      case 'actions':
        put('tail', actionBlocks(el.buttons, actionCount));
        actionCount += el.buttons.length;
        break;
      case 'links':
        put('tail', buttonBlocks(el.buttons, linkCount));
        linkCount += el.buttons.filter((b) => isLinkableUrl(b.url)).length;
        break;
      case 'context':
        put('tail', [{ type: 'context', elements: [mrkdwn(fitMrkdwn(el.text, MAX_CONTEXT_TEXT))] }]);
        break;
      case 'chart':
      case 'file':
        // Not blocks: the sender uploads them into the message's thread (bots/slack/sender.ts).
        break;
      default:
        assertNever(el);
    }
  }
  markerAlone();

  let blocks = placed.map((p) => p.block);
  if (blocks.length > maxBlocks) {
    // Keep the beginning and the end (buttons, usage), drop from the middle and say how much.
    const body = placed.filter((p) => p.part === 'body').length;
    const room = Math.max(0, maxBlocks - (placed.length - body) - 1);
    const notice: SlackBlock = { type: 'context', elements: [mrkdwn(more(body - room))] };
    blocks = [];
    let kept = 0;
    let noticed = false;
    const notify = () => {
      if (!noticed) blocks.push(notice);
      noticed = true;
    };
    for (const p of placed) {
      if (p.part === 'body') {
        if (kept < room) {
          blocks.push(p.block);
          kept++;
        } else notify();
        continue;
      }
      if (p.part === 'tail') notify();
      blocks.push(p.block);
    }
    notify();
    blocks = blocks.slice(0, maxBlocks);
  }
  return { text: fallbackText(card), blocks };
}
