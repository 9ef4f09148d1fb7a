// The card model: immutable cards built from elements, read back by the names records used, and the two renderers
// walking the same elements in the same order.
import { describe, expect, it } from 'vitest';
import { renderReply as toDiscord } from '../../bots/discord/render.ts';
import { renderReply as toSlack } from '../../bots/slack/render.ts';
import {
  actions,
  card,
  cardAttachments,
  chart,
  context,
  field,
  fields,
  file,
  header,
  image,
  line,
  linkButton,
  links,
  list,
  text,
  withVisibility,
} from '../../src/cards/card.ts';
import { clip, fit, isLinkableUrl, plural, pluralWord } from '../../src/cards/text.ts';
import { view } from '../support/cardView.ts';

const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('when a card is built', () => {
  const built = card({ visibility: 'ephemeral', tone: 'success' }, [
    header('Storefront created'),
    text('Ready.'),
    false,
    undefined,
    fields([field('Storefront', 'https://go.test/s/jane'), field('Confirmed', '$1.00', { inline: true })]),
    list('Desk', [line('Lamp', { url: 'https://go.test/l/AbCdEfGh', detail: 'B000000001' })], { more: 3 }),
    actions([{ label: 'Withdraw claim', actionId: 'claim_withdraw', value: '7' }]),
    links([linkButton('Open storefront', 'https://go.test/s/jane')]),
    context('Usage: /storefront add <product> [list]'),
  ]);

  it('then it keeps the elements in reading order and leaves out what was not there', () => {
    expect(built.elements.map((e) => e.type)).toEqual(['header', 'text', 'fields', 'list', 'actions', 'links', 'context']);
  });

  it('then it cannot be changed afterwards, neither the card nor its elements', () => {
    expect(Object.isFrozen(built)).toBe(true);
    expect(Object.isFrozen(built.elements)).toBe(true);
    expect(() => (built.elements as unknown[]).push(text('more'))).toThrow();
    expect(() => {
      (view(built).sections[0]!.lines as unknown[]).pop();
    }).toThrow();
    expect(() => card({ visibility: 'channel' }, [header('One'), header('Two')])).toThrow(/at most one header/);
  });

  it('then it reads back by title, text, fields, sections, buttons, actions and footer', () => {
    expect(view(built)).toMatchObject({
      visibility: 'ephemeral',
      tone: 'success',
      title: 'Storefront created',
      text: 'Ready.',
      footer: 'Usage: /storefront add <product> [list]',
    });
    expect(view(built).fields).toEqual([
      { label: 'Storefront', value: 'https://go.test/s/jane' },
      { label: 'Confirmed', value: '$1.00', inline: true },
    ]);
    expect(view(built).sections[0]).toMatchObject({
      title: 'Desk',
      lines: [{ text: 'Lamp', url: 'https://go.test/l/AbCdEfGh', detail: 'B000000001' }],
      more: 3,
    });
    expect(view(built).buttons).toEqual([{ label: 'Open storefront', url: 'https://go.test/s/jane' }]);
    expect(view(built).actions.map((a) => a.value)).toEqual(['7']);
  });

  it('then another visibility gives a new card and leaves the first alone', () => {
    const shared = withVisibility(built, 'channel');
    expect(shared.visibility).toBe('channel');
    expect(built.visibility).toBe('ephemeral');
    expect(shared.elements).toEqual(built.elements);
  });
});

describe('when a card carries an image and a chart', () => {
  const c = card({ visibility: 'channel' }, [
    header('Team digest'),
    text('Figures'),
    image('https://go.test/chart-preview.png', 'Chart'),
    chart('digest-2026-03-14.png', png, 'Commission per day'),
    file('digest-2026-03-14.csv', Buffer.from('a,b\r\n'), 'text/csv'),
  ]);

  it('then the image is shown inline (a Slack image block, the Discord embed image)', () => {
    expect(toSlack(c).blocks).toContainEqual({ type: 'image', image_url: 'https://go.test/chart-preview.png', alt_text: 'Chart' });
    expect(toDiscord(c).embeds[0]!.image).toEqual({ url: 'https://go.test/chart-preview.png' });
  });

  it('then the chart and the file are no part of the layout but the attachments, chart first', () => {
    expect(toSlack(c).blocks.map((b) => b.type)).toEqual(['header', 'section', 'image']);
    expect(cardAttachments(c).map((a) => [a.name, a.contentType])).toEqual([
      ['digest-2026-03-14.png', 'image/png'],
      ['digest-2026-03-14.csv', 'text/csv'],
    ]);
  });

  it('then an image URL we could not have built is left out', () => {
    const bad = card({ visibility: 'channel' }, [image('javascript:alert(1)', 'x')]);
    expect(toSlack(bad).blocks.some((b) => b.type === 'image')).toBe(false);
    expect(toDiscord(bad).embeds[0]!.image).toBeUndefined();
  });
});

describe('when the renderers fit text (shared helpers)', () => {
  it('then clipping never splits a surrogate pair, and can count UTF-16 units as Discord does', () => {
    expect(clip('ab😀cd', 4)).toBe('ab😀…');
    expect(clip('ab😀cd', 4, { utf16: true })).toBe('ab…');
    expect(clip('short', 10)).toBe('short');
  });

  it('then fitting cuts the raw text, never an escape, and marks the cut', () => {
    const escape = (s: string) => s.replace(/&/g, '&amp;');
    expect(fit('&&&&&&', 12, escape, 5)).toBe('&amp;&amp;…');
    expect(fit('plain', 10, escape, 5)).toBe('plain');
    expect(fit('anything', 0, escape, 5)).toBe('');
  });

  it('then only http(s) URLs without the platform’s link-ending characters and within its limit are linkable', () => {
    expect(isLinkableUrl('https://go.test/l/AbCdEfGh', { max: 100 })).toBe(true);
    expect(isLinkableUrl('https://go.test/a|b', { max: 100, forbidden: '|' })).toBe(false);
    expect(isLinkableUrl('https://go.test/(x)', { max: 100, forbidden: '()[]' })).toBe(false);
    expect(isLinkableUrl('https://go.test/long', { max: 10 })).toBe(false);
    expect(isLinkableUrl('ftp://go.test/x', { max: 100 })).toBe(false);
  });

  it('then counted words agree with their number', () => {
    expect([plural(1, 'click'), plural(1234, 'click'), pluralWord(2, 'item'), plural(2, 'reply', 'replies')]).toEqual([
      '1 click',
      '1,234 clicks',
      'items',
      '2 replies',
    ]);
  });
});
