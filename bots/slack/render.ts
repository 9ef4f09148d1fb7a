// Reply → Block Kit. A pure function: no I/O, no clock. Owns every Slack limit and all mrkdwn escaping,
// so no text from a user (product titles, list names, handles) can mention, link or format anything.
import type { Reply, ReplyAction, ReplyLine, Tone } from '../../src/reply.ts';

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
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'actions'; elements: SlackButton[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

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

const ZWSP = '\u200B';
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
  let out = '';
  let last = 0;
  for (const m of raw.matchAll(URL_IN_TEXT)) {
    out += neutralise(raw.slice(last, m.index));
    out += entities(m[0]);
    last = m.index + m[0].length;
  }
  out += neutralise(raw.slice(last));
  return out.replace(/(^|\n)([ \t]*)&gt;/g, `$1$2${ZWSP}&gt;`);
}

function neutralise(s: string): string {
  return entities(s).replace(/[*_~`]/g, (c) => `${ZWSP}${c}${ZWSP}`);
}

/** Cuts by code points so no surrogate pair is split. */
function clipPlain(s: string, max: number): string {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  return `${chars.slice(0, max - 1).join('')}…`;
}

/** Escapes and fits into `max` characters, cutting the raw text (never an entity or a fence) and adding "…". */
export function fitMrkdwn(raw: string, max: number): string {
  const whole = escapeMrkdwn(raw);
  if (whole.length <= max) return whole;
  const chars = Array.from(raw);
  let n = Math.min(chars.length, max);
  while (n > 0) {
    const cut = `${escapeMrkdwn(chars.slice(0, n).join(''))}…`;
    if (cut.length <= max) return cut;
    n -= Math.max(1, Math.floor((cut.length - max) / 5));
  }
  return '…';
}

/** Only URLs we built become links: http(s), no whitespace or Slack control characters, within the limit. */
export function isLinkableUrl(url: string | undefined): url is string {
  return url !== undefined && url.length <= MAX_URL && /^https?:\/\/[^\s<>|]+$/.test(url);
}

/** One list line: a link only for a URL we built, with its label and detail escaped and fitted. */
function lineMrkdwn(l: ReplyLine): string {
  const label = fitMrkdwn(l.text.replace(/\s+/g, ' '), 1000);
  const detail = l.detail ? ` — ${fitMrkdwn(l.detail, 800)}` : '';
  const linked = isLinkableUrl(l.url) && l.url.length * 2 + label.length + detail.length + 8 <= MAX_SECTION_TEXT;
  return `• ${linked ? `<${l.url!.replace(/&/g, '&amp;')}|${label}>` : label}${detail}`;
}

const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text });
const more = (n: number) => `_…and ${n} more_`;

/** Packs lines into as few section blocks as the 3000-character limit allows; the first carries the title. */
function listBlocks(title: string, lines: ReplyLine[], extra: number): SlackBlock[] {
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

function fieldBlocks(fields: NonNullable<Reply['fields']>): SlackBlock[] {
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

function buttonBlocks(buttons: NonNullable<Reply['buttons']>): SlackBlock[] {
  const usable = buttons.filter((b) => isLinkableUrl(b.url));
  const blocks: SlackBlock[] = [];
  for (let i = 0; i < usable.length; i += MAX_ACTIONS_PER_BLOCK) {
    blocks.push({
      type: 'actions',
      elements: usable.slice(i, i + MAX_ACTIONS_PER_BLOCK).map((b, j) => ({
        type: 'button',
        text: { type: 'plain_text', text: clipPlain(b.label.replace(/\s+/g, ' '), MAX_BUTTON_TEXT), emoji: true },
        url: b.url,
        action_id: `link_button_${i + j}`,
      })),
    });
  }
  return blocks;
}

/** An action id of the command core: letters, digits and _. */
const ACTION_ID = /^[A-Za-z0-9_]{1,64}$/;

/**
 * Slack's action_id for a Reply action: its actionId and its place in the message, so two buttons of one action (Approve
 * #12, Approve #13) never share an action_id. The listener reads the action back with parseSlackActionId.
 */
export function slackActionId(actionId: string, index: number): string {
  return `${actionId}#${index}`;
}

export function parseSlackActionId(actionId: string): string | undefined {
  const m = /^([A-Za-z0-9_]{1,64})#\d{1,4}$/.exec(actionId);
  return m?.[1];
}

/** Action buttons: one actions block per group (and per 25 buttons), in order. */
function actionBlocks(actions: readonly ReplyAction[]): SlackBlock[] {
  const blocks: Array<{ type: 'actions'; elements: SlackButton[] }> = [];
  let group: string | undefined;
  actions.forEach((a, index) => {
    if (!ACTION_ID.test(a.actionId) || a.value.length > MAX_BUTTON_VALUE) return;
    const element: SlackButton = {
      type: 'button',
      text: { type: 'plain_text', text: clipPlain(a.label.replace(/\s+/g, ' '), MAX_BUTTON_TEXT), emoji: true },
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

function fallbackText(reply: Reply): string {
  const parts = [reply.title, reply.text].filter((p): p is string => Boolean(p));
  const plain = parts.length ? parts.join(' — ') : (reply.sections?.[0]?.title ?? reply.fields?.[0]?.label ?? 'Reply');
  const marker = reply.tone === 'error' ? 'Error: ' : '';
  return fitMrkdwn(marker + plain, MAX_FALLBACK_TEXT);
}

/** The Block Kit blocks and fallback text for a Reply. */
export function renderReply(reply: Reply, opts: RenderOptions = {}): SlackMessage {
  const maxBlocks = opts.maxBlocks ?? MAX_BLOCKS_PER_MESSAGE;
  const head: SlackBlock[] = [];
  if (reply.title) head.push({ type: 'header', text: { type: 'plain_text', text: clipPlain(reply.title.replace(/\s+/g, ' '), MAX_HEADER_TEXT), emoji: true } });
  const marker = TONE_MARKER[reply.tone ?? 'info'];
  if (reply.text || marker) {
    head.push({ type: 'section', text: mrkdwn(marker + fitMrkdwn(reply.text ?? '', MAX_SECTION_TEXT - marker.length)) });
  }

  const body: SlackBlock[] = [...fieldBlocks(reply.fields ?? [])];
  for (const s of reply.sections ?? []) body.push(...listBlocks(s.title, s.lines, s.more ?? 0));

  const tail: SlackBlock[] = [...actionBlocks(reply.actions ?? []), ...buttonBlocks(reply.buttons ?? [])];
  if (reply.footer) tail.push({ type: 'context', elements: [mrkdwn(fitMrkdwn(reply.footer, MAX_CONTEXT_TEXT))] });

  let blocks = [...head, ...body, ...tail];
  if (blocks.length > maxBlocks) {
    // Keep the beginning and the end (buttons, usage), drop from the middle and say how much.
    const room = Math.max(0, maxBlocks - head.length - tail.length - 1);
    const dropped = body.length - room;
    const notice: SlackBlock = { type: 'context', elements: [mrkdwn(more(dropped))] };
    blocks = [...head, ...body.slice(0, room), notice, ...tail].slice(0, maxBlocks);
  }
  return { text: fallbackText(reply), blocks };
}
