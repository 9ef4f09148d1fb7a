import { describe, expect, it } from 'vitest';
import {
  escapeMrkdwn,
  fitMrkdwn,
  MAX_BLOCKS_PER_MESSAGE,
  MAX_BUTTON_TEXT,
  MAX_BUTTON_VALUE,
  MAX_FIELDS_PER_SECTION,
  MAX_FIELD_TEXT,
  MAX_HEADER_TEXT,
  MAX_SECTION_TEXT,
  parseSlackActionId,
  renderReply,
  type SlackBlock,
} from '../../bots/slack/render.ts';
import { commandTextFromSlack, isDirectMessage } from '../../bots/slack/text.ts';
import { blockStrings, visibleText } from './helpers.ts';
import * as C from '../../src/cards/card.ts';

const ZW = '\u200B';

/** True when the string contains a Slack control sequence (<…>) that we did not put there. */
const controlSequences = (s: string) => s.match(/<[^>]*>/g) ?? [];

function allTexts(blocks: SlackBlock[]): string[] {
  return blockStrings(blocks);
}

describe('escaping user text for mrkdwn', () => {
  it('then &, < and > become entities, so mentions and links cannot be injected', () => {
    const e = escapeMrkdwn('Tom & Jerry <!channel> <@U123> <https://evil.example|click>');
    expect(e).toBe('Tom &amp; Jerry &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt;');
    expect(controlSequences(e)).toEqual([]);
  });

  it('then * _ ~ and backticks are fenced so they cannot format, and read the same once fences are removed', () => {
    const e = escapeMrkdwn('*bold* _it_ ~strike~ `code`');
    expect(e).not.toMatch(/(^|[^\u200B])[*_~`]/);
    expect(e).toContain(`${ZW}*${ZW}bold${ZW}*${ZW}`);
    expect(e.replace(/\u200B/g, '')).toBe('*bold* _it_ ~strike~ `code`');
  });

  it('then URLs stay whole (Slack links them) and a leading > cannot quote', () => {
    expect(escapeMrkdwn('see https://links.test/s/my_handle?a=1&b=2 now')).toBe('see https://links.test/s/my_handle?a=1&amp;b=2 now');
    expect(escapeMrkdwn('> quoted\n  > again')).toBe(`${ZW}&gt; quoted\n  ${ZW}&gt; again`);
  });

  it('then fitting cuts the raw text, never an entity or a fence, and marks the cut', () => {
    const s = fitMrkdwn('&'.repeat(100), 50);
    expect(s.length).toBeLessThanOrEqual(50);
    expect(s).toMatch(/^(&amp;)+…$/);
    const t = fitMrkdwn('*'.repeat(100), 31);
    expect(t).toMatch(/^(\u200B\*\u200B)+…$/);
    expect(fitMrkdwn('short', 50)).toBe('short');
  });
});

describe('rendering a card as Block Kit', () => {
  it('then title, text, fields, lists, buttons and footer appear in that order', () => {
    const reply = C.card({ visibility: 'ephemeral', tone: 'success' }, [
      C.header('Storefront created'),
      C.text('Ready.'),
      C.fields([
        { label: 'Storefront', value: 'https://links.test/s/jane' },
        { label: 'Confirmed', value: '$1.00', inline: true },
        { label: 'Pending', value: '$2.00', inline: true },
      ]),
      ...(
        [{ title: 'Desk', lines: [{ text: 'Lamp', url: 'https://links.test/l/AbCdEfGh', detail: 'B000000001 · $9.99' }], more: 3 }] as Array<{
          title: string;
          lines: C.CardLine[];
          more?: number;
        }>
      ).map((s) => C.list(s.title, s.lines, s.more !== undefined ? { more: s.more } : {})),
      C.links([{ label: 'Open storefront', url: 'https://links.test/s/jane' }]),
      C.context('Usage: /storefront add <product> [list]'),
    ]);
    const { blocks, text } = renderReply(reply);
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'section', 'actions', 'context']);
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Storefront created', emoji: true } });
    expect(blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: Ready.' } });
    expect(blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*Storefront*\nhttps://links.test/s/jane' } });
    expect(blocks[3]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Confirmed*\n$1.00' },
        { type: 'mrkdwn', text: '*Pending*\n$2.00' },
      ],
    });
    expect(blocks[4]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Desk*\n• <https://links.test/l/AbCdEfGh|Lamp> — B000000001 · $9.99\n_…and 3 more_' },
    });
    expect(blocks[5]).toMatchObject({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open storefront' }, url: 'https://links.test/s/jane' }],
    });
    expect(blocks[6]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Usage: /storefront add &lt;product&gt; [list]' }] });
    expect(text).toBe('Storefront created — Ready.');
  });

  it('then an error carries a clear marker in the blocks and in the fallback text', () => {
    const { blocks, text } = renderReply(C.card({ visibility: 'ephemeral', tone: 'error' }, [C.text('Missing product.')]));
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: ':x: *Error:* Missing product.' } });
    expect(text).toBe('Error: Missing product.');
    expect(renderReply(C.card({ visibility: 'ephemeral', tone: 'warning' }, [C.text('Careful')])).blocks[0]).toMatchObject({
      text: { text: ':warning: Careful' },
    });
  });

  it('then hostile titles, list names and lines cannot mention, link or format, anywhere', () => {
    const evil = '<!channel> *FREE* <@U999> <https://evil.example|click> & _x_';
    const reply = C.card({ visibility: 'channel' }, [
      C.header(evil),
      C.text(evil),
      C.fields([{ label: evil, value: evil, inline: true }]),
      ...(
        [
          {
            title: evil,
            lines: [
              { text: evil, url: 'https://links.test/l/AbCdEfGh', detail: evil },
              { text: evil, url: 'javascript:alert(1)' },
            ],
          },
        ] as Array<{ title: string; lines: C.CardLine[]; more?: number }>
      ).map((s) => C.list(s.title, s.lines, s.more !== undefined ? { more: s.more } : {})),
      C.links([{ label: evil, url: 'https://links.test/s/x' }]),
      C.context(evil),
    ]);
    const { blocks, text } = renderReply(reply);
    const mrkdwnStrings = [text, ...blocks.flatMap((b) => (b.type === 'header' || b.type === 'actions' ? [] : allTexts([b])))];
    for (const s of mrkdwnStrings) {
      // The only control sequence allowed is the link we built, around an escaped label.
      for (const seq of controlSequences(s)) expect(seq).toMatch(/^<https:\/\/links\.test\/l\/AbCdEfGh\|[^<]*>$/);
      expect(s).not.toMatch(/\*FREE|FREE\*/);
      expect(s).not.toContain('<!channel>');
      expect(s).not.toContain('<@U999>');
    }
    // The javascript: URL is not made a link; the text still shows.
    expect(JSON.stringify(blocks)).not.toContain('javascript:alert(1)|');
    // plain_text (header, button) is never parsed by Slack; the words are still all there once decoded.
    expect(visibleText(blocks)).toContain('<!channel> *FREE* <@U999> <https://evil.example|click> & _x_');
  });

  it('then Slack limits are respected and overflow is summarised', () => {
    const long = 'x'.repeat(5000);
    const reply = C.card({ visibility: 'ephemeral' }, [
      C.header(long),
      C.text(long),
      C.fields(Array.from({ length: 23 }, (_, i) => ({ label: `F${i}`, value: long, inline: true }))),
      ...Array.from({ length: 60 }, (_, i) => ({
        title: `List ${i}`,
        lines: Array.from({ length: 30 }, (_, j) => ({ text: `Item ${j} ${'y'.repeat(150)}`, url: `https://links.test/l/AAAAAAA${j % 10}` })),
      })).map((s) => C.list(s.title, s.lines)),
      C.links([{ label: long, url: 'https://links.test/s/x' }]),
      C.context('Usage: /x'),
    ]);
    const { blocks, text } = renderReply(reply);
    expect(blocks.length).toBe(MAX_BLOCKS_PER_MESSAGE);
    const header = blocks[0] as { text: { text: string } };
    expect(Array.from(header.text.text).length).toBe(MAX_HEADER_TEXT);
    expect(header.text.text.endsWith('…')).toBe(true);
    for (const b of blocks) {
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(MAX_SECTION_TEXT);
      if (b.type === 'section' && b.fields) {
        expect(b.fields.length).toBeLessThanOrEqual(MAX_FIELDS_PER_SECTION);
        for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(MAX_FIELD_TEXT);
      }
      if (b.type === 'actions') for (const e of b.elements) expect(Array.from(e.text.text).length).toBeLessThanOrEqual(MAX_BUTTON_TEXT);
    }
    expect(blocks.filter((b) => b.type === 'section' && b.fields).map((b) => (b as { fields: unknown[] }).fields.length)).toEqual([10, 10, 3]);
    // The end survives (buttons, footer), with a note of what was left out just before it.
    expect(blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Usage: /x' }] });
    expect(blocks.at(-2)?.type).toBe('actions');
    expect(blocks.at(-3)).toMatchObject({ type: 'context', elements: [{ text: expect.stringMatching(/^_…and \d+ more_$/) }] });
    expect(text.length).toBeLessThanOrEqual(3000);
  });

  it('then App Home views may use up to 100 blocks', () => {
    const reply = C.card({ visibility: 'ephemeral' }, [
      ...Array.from({ length: 80 }, (_, i) => ({ title: `L${i}`, lines: [{ text: 'a' }] })).map((s) => C.list(s.title, s.lines)),
    ]);
    expect(renderReply(reply).blocks.length).toBe(50);
    expect(renderReply(reply, { maxBlocks: 100 }).blocks.length).toBe(80);
  });
});

describe('reading Slack command text', () => {
  it('then escaped links, channels and entities become what the person typed, mentions stay mentions', () => {
    expect(commandTextFromSlack('add <https://www.amazon.com/dp/B07W6JN8V8?a=1&amp;b=2|amazon.com/dp/B07W6JN8V8> Desk &amp; Office')).toBe(
      'add https://www.amazon.com/dp/B07W6JN8V8?a=1&b=2 Desk & Office',
    );
    expect(commandTextFromSlack('grant <@U123ABC|jane>')).toBe('grant <@U123ABC|jane>');
    expect(commandTextFromSlack('notify <#C123|general> &lt;b&gt;')).toBe('notify #general <b>');
    expect(commandTextFromSlack('<!here>')).toBe('@here');
  });

  it('then direct messages are recognised by channel id or name', () => {
    expect(isDirectMessage('D0123', 'directmessage')).toBe(true);
    expect(isDirectMessage('D0123', undefined)).toBe(true);
    expect(isDirectMessage('C0123', 'general')).toBe(false);
  });
});

describe('rendering a card\u2019s action buttons as Block Kit', () => {
  const claims = C.card({ visibility: 'ephemeral' }, [
    C.header('Tracking ID claims'),
    C.text('2 claims wait for a decision.'),
    C.actions([
      { label: 'Approve #12', actionId: 'claim_approve', value: '12', style: 'primary', group: 'claim-12' },
      { label: 'Refuse #12', actionId: 'claim_refuse', value: '12', style: 'danger', group: 'claim-12' },
      { label: 'Approve #13', actionId: 'claim_approve', value: '13', style: 'primary', group: 'claim-13' },
      { label: 'Refuse #13', actionId: 'claim_refuse', value: '13', group: 'claim-13' },
    ]),
    C.links([{ label: 'Open storefront', url: 'https://links.test/s/jane' }]),
    C.context('Decide each one.'),
  ]);

  it('then each group is an actions block of buttons with an action_id unique in the message, the value and the style, before the link buttons', () => {
    const { blocks } = renderReply(claims);
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions', 'actions', 'actions', 'context']);
    expect(blocks[2]).toEqual({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Approve #12', emoji: true }, action_id: 'claim_approve#0', value: '12', style: 'primary' },
        { type: 'button', text: { type: 'plain_text', text: 'Refuse #12', emoji: true }, action_id: 'claim_refuse#1', value: '12', style: 'danger' },
      ],
    });
    expect(blocks[3]).toMatchObject({
      elements: [
        { action_id: 'claim_approve#2', value: '13' },
        { action_id: 'claim_refuse#3', value: '13' },
      ],
    });
    expect(blocks[3]?.type === 'actions' && blocks[3].elements[1]).not.toHaveProperty('style');
    expect(blocks[4]).toMatchObject({ elements: [{ url: 'https://links.test/s/jane', action_id: 'link_button_0' }] });
    const ids = blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.action_id) : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 4).map(parseSlackActionId)).toEqual(['claim_approve', 'claim_refuse', 'claim_approve', 'claim_refuse']);
  });

  it('then labels are clipped, at most 25 buttons share a block, and an action id or value Slack would refuse is left out', () => {
    const many = C.card({ visibility: 'ephemeral' }, [
      C.actions([
        ...Array.from({ length: 30 }, (_, i) => ({ label: `Do ${i} ${'x'.repeat(100)}`, actionId: 'claim_approve', value: String(i) })),
        { label: 'bad id', actionId: 'claim approve!', value: '1' },
        { label: 'bad value', actionId: 'claim_refuse', value: 'v'.repeat(MAX_BUTTON_VALUE + 1) },
      ]),
    ]);
    const actions = renderReply(many).blocks.filter((b) => b.type === 'actions');
    expect(actions.map((b) => (b.type === 'actions' ? b.elements.length : 0))).toEqual([25, 5]);
    for (const b of actions) if (b.type === 'actions') for (const e of b.elements) expect(Array.from(e.text.text).length).toBeLessThanOrEqual(MAX_BUTTON_TEXT);
    expect(JSON.stringify(actions)).not.toContain('bad');
  });

  it('then only action ids the renderer made are read back', () => {
    expect(parseSlackActionId('claim_refuse#7')).toBe('claim_refuse');
    for (const other of ['link_button_0', 'claim_refuse', 'claim_refuse#', 'x#1#2', '#3']) expect(parseSlackActionId(other)).toBeUndefined();
  });
});
