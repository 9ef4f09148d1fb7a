// The messages people read: counted words and signs, what a commission notice and a backfill summary say, the /link
// reply with its copyable short link and product thumbnail, as rendered for Slack and Discord (committed snapshots).
import { describe, expect, it } from 'vitest';
import { renderReply as toDiscord } from '../../bots/discord/render.ts';
import { renderReply as toSlack } from '../../bots/slack/render.ts';
import { card, image, text, thumbnail } from '../../src/cards/card.ts';
import { linkCard } from '../../src/cards/link.ts';
import { commissionCard, dayRange, monthsLabel } from '../../src/cards/notice.ts';
import { productAddedCard } from '../../src/cards/storefront.ts';
import { percentChange, plural, signedPercent } from '../../src/cards/text.ts';
import type { CommissionNews } from '../../src/domain/notifications/commissionNotice.ts';
import { view } from '../support/cardView.ts';

describe('when a count or a change is written', () => {
  it('then one thing is singular and every other count plural, with thousands separators', () => {
    expect(plural(1, 'bot')).toBe('1 bot');
    expect(plural(2, 'bot')).toBe('2 bots');
    expect(plural(0, 'bot')).toBe('0 bots');
    expect(plural(2148, 'item')).toBe('2,148 items');
    expect(plural(1, 'tracking ID claim')).toBe('1 tracking ID claim');
    expect(plural(3, 'person', 'people')).toBe('3 people');
  });

  it('then a change carries its sign (a true minus), and no change says so', () => {
    expect(signedPercent(5)).toBe('+5%');
    expect(signedPercent(-3)).toBe('\u22123%');
    expect(signedPercent(0)).toBe('no change');
    expect(signedPercent(-0.4)).toBe('no change');
    expect(signedPercent(1234.4)).toBe('+1,234%');
    expect(percentChange(105, 100)).toBe('+5%');
    expect(percentChange(97, 100)).toBe('\u22123%');
    expect(percentChange(0, 0)).toBe('no change');
    expect(percentChange(7, 0)).toBe('new');
    expect(percentChange(100, 100)).toBe('no change');
  });

  it('then date spans read as people write them', () => {
    expect(dayRange('2021-03-01', '2021-03-07')).toBe('1–7 March 2021');
    expect(dayRange('2021-03-07', '2021-03-07')).toBe('7 March 2021');
    expect(dayRange('2021-02-28', '2021-03-03')).toBe('28 February – 3 March 2021');
    expect(dayRange('2020-12-30', '2021-01-02')).toBe('30 December 2020 – 2 January 2021');
    // Amazon's windows run from the 7th to the 5th: named for the month most of it is in.
    expect(monthsLabel('2021-03-07', '2021-04-05')).toBe('March 2021');
    expect(monthsLabel('2021-03-01', '2021-03-31')).toBe('March 2021');
    expect(monthsLabel('2021-01-01', '2021-06-30')).toBe('January–June 2021');
    expect(monthsLabel('2020-11-01', '2021-02-28')).toBe('November 2020 – February 2021');
  });
});

const news = (over: Partial<CommissionNews> = {}): CommissionNews => ({
  handle: 'garmin',
  items: 4,
  totals: [{ currency: 'USD', confirmed: 4620, pending: 1200, reversed: 0, bounty: 0 }],
  top: [
    { asin: 'B0FR255000', name: 'Forerunner 255', currency: 'USD', confirmed: 4120, pending: 1200, reversed: 0, bounty: 0 },
    { asin: 'B0KITE0000', name: 'Kite', currency: 'USD', confirmed: 500, pending: 0, reversed: 0, bounty: 0 },
  ],
  windows: [{ start: '2026-11-23', end: '2026-12-01' }],
  dates: { first: '2026-11-27', last: '2026-11-29' },
  reportTypes: ['earnings', 'orders', 'release'],
  backfill: false,
  ...over,
});

const backfill = news({
  items: 2148,
  totals: [{ currency: 'USD', confirmed: 294108, pending: 0, reversed: -1250, bounty: 0 }],
  windows: [{ start: '2021-03-07', end: '2021-04-05' }],
  dates: { first: '2021-03-07', last: '2021-04-05' },
  reportTypes: ['earnings'],
  backfill: true,
});

const STOREFRONT = 'https://go.test/s/garmin';
const link = linkCard({
  productLabel: 'Forerunner 255',
  imageUrl: 'https://m.media-amazon.test/images/I/fr255.jpg',
  shortUrl: 'https://go.test/l/AbCdEfGh',
  destinationUrl: 'https://www.amazon.com/dp/B0FR255000?tag=garmin-20',
  campaign: 'tiktok',
});

describe('when a commission notice is composed', () => {
  it('then it names its report window and lists each product once, confirmed and pending side by side', () => {
    const c = commissionCard(news(), STOREFRONT);
    expect(view(c).title).toBe('New commission for @garmin');
    expect(view(c).text).toBe('4 new items in your Amazon reports.\n\nReport window 2026-11-23 to 2026-12-01.');
    expect(view(c).sections[0]!.lines).toEqual([
      { text: 'Forerunner 255', detail: '$41.20 confirmed, $12.00 pending' },
      { text: 'Kite', detail: '$5.00 confirmed' },
    ]);
  });

  it('then postbacks without a report window are dated by their orders', () => {
    expect(view(commissionCard(news({ windows: [], dates: { first: '2026-03-01', last: '2026-03-07' }, reportTypes: ['events'] }), STOREFRONT)).text).toContain(
      'Orders 1–7 March 2026.',
    );
  });

  it('then an old report is one backfill summary with its month and totals, never "new commission"', () => {
    const c = commissionCard(backfill, STOREFRONT);
    expect(view(c).title).toBe('Past earnings loaded for @garmin');
    expect(view(c).text).toContain('Backfill: March 2021 report, 2,148 items, $2,941.08 confirmed, −$12.50 reversed.');
    expect(view(c).text).toContain('Report window 2021-03-07 to 2021-04-05.');
    expect(JSON.stringify(c)).not.toContain('New commission');
    expect(view(c).sections).toEqual([]);
    expect(view(c).footer).toBe('Run /earnings 2021-03-07..2021-04-05 for the details by product and by link.');
  });

  it('then the rendered notice stays as reviewed (Block Kit and Discord)', () => {
    const c = commissionCard(news(), STOREFRONT);
    expect(toSlack(c)).toMatchSnapshot('notice slack');
    expect(toDiscord(c)).toMatchSnapshot('notice discord');
  });

  it('then the rendered backfill summary stays as reviewed (Block Kit and Discord)', () => {
    const c = commissionCard(backfill, STOREFRONT);
    expect(toSlack(c)).toMatchSnapshot('backfill slack');
    expect(toDiscord(c)).toMatchSnapshot('backfill discord');
  });
});

describe('when the /link reply is rendered', () => {
  it('then the short link is plain text outside the card: Discord content, a Slack section with nothing else', () => {
    const slack = toSlack(link);
    expect(slack.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'https://go.test/l/AbCdEfGh' } });
    expect(slack.text.startsWith('https://go.test/l/AbCdEfGh')).toBe(true);
    const discord = toDiscord(link);
    expect(discord.content).toBe('https://go.test/l/AbCdEfGh');
    expect(JSON.stringify(discord.embeds)).not.toContain('go.test/l/');
  });

  it('then the product thumbnail sits beside the card text (Slack accessory, Discord embed thumbnail)', () => {
    const slack = toSlack(link);
    expect(slack.blocks.filter((b) => b.type === 'section' && b.accessory)).toEqual([
      {
        type: 'section',
        text: { type: 'mrkdwn', text: ':white_check_mark: Your tagged short link, ready to paste.' },
        accessory: { type: 'image', image_url: 'https://m.media-amazon.test/images/I/fr255.jpg', alt_text: 'Forerunner 255' },
      },
    ]);
    expect(toDiscord(link).embeds[0]!.thumbnail).toEqual({ url: 'https://m.media-amazon.test/images/I/fr255.jpg' });
  });

  it('then the rendered /link reply stays as reviewed (Block Kit and Discord)', () => {
    expect(toSlack(link)).toMatchSnapshot('link slack');
    expect(toDiscord(link)).toMatchSnapshot('link discord');
  });

  it('then /storefront add shows the product picture beside what was added', () => {
    const c = productAddedCard({
      added: true,
      productLabel: 'Forerunner 255',
      imageUrl: 'https://img.test/a.jpg',
      listName: 'Running',
      shortUrl: 'https://go.test/l/x',
      storefrontUrl: STOREFRONT,
    });
    expect(toSlack(c).blocks[0]).toMatchObject({ type: 'section', accessory: { type: 'image', image_url: 'https://img.test/a.jpg' } });
    expect(toDiscord(c).embeds[0]!.thumbnail).toEqual({ url: 'https://img.test/a.jpg' });
  });
});

describe('when a picture URL is not https (hostile or careless catalogue data)', () => {
  const bad = [
    'http://img.test/a.jpg',
    'javascript:alert(1)',
    'data:image/png;base64,AAAA',
    'HTTP://img.test/a.jpg',
    '//img.test/a.jpg',
    'https://img.test/a b.jpg',
  ];
  it.each(bad)('then %s is never rendered, as a thumbnail or an image', (url) => {
    const c = card({ visibility: 'channel' }, [text('Lamp'), thumbnail(url, 'Lamp'), image(url, 'Lamp')]);
    expect(JSON.stringify(toSlack(c))).not.toContain('image');
    const discord = toDiscord(c);
    expect(discord.embeds[0]).not.toHaveProperty('thumbnail');
    expect(discord.embeds[0]).not.toHaveProperty('image');
    expect(
      JSON.stringify(
        toSlack(linkCard({ productLabel: 'Lamp', imageUrl: url, shortUrl: 'https://go.test/l/x', destinationUrl: 'https://a.test', campaign: null })),
      ),
    ).not.toContain('accessory');
  });

  it('then a short link that tries to mention or format stays literal text in Discord content', () => {
    const d = toDiscord(card({ visibility: 'ephemeral' }, [{ type: 'copy', text: '@everyone **hi** <@123>' }]));
    expect(d.content).not.toMatch(/@everyone|\*\*hi\*\*|<@123>/);
    expect(d.allowed_mentions).toEqual({ parse: [] });
  });
});
