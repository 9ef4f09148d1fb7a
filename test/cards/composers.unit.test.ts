// One composer per kind of card, fed plain data as the domain hands it over: what a person would see.
import { describe, expect, it } from 'vitest';
import { renderReply as toDiscord } from '../../bots/discord/render.ts';
import { renderReply as toSlack } from '../../bots/slack/render.ts';
import { cardAttachments, line } from '../../src/cards/card.ts';
import { digestCard, MAX_CARD_CHARS, replyChars, sectionChars } from '../../src/cards/digest.ts';
import { earningsCard, homeCard } from '../../src/cards/earnings.ts';
import { autolinkCard, linkCard, linkPreviewCard, shortLinkLine } from '../../src/cards/link.ts';
import { commissionCard } from '../../src/cards/notice.ts';
import type { EarningsSummary } from '../../src/domain/earnings/summary.ts';
import { report } from './digestReport.ts';
import { view } from '../support/cardView.ts';

const period = { label: 'Last 7 days', from: new Date('2026-03-08T00:00:00Z'), to: new Date('2026-03-15T00:00:00Z'), timezone: 'Europe/London' };

const summary: EarningsSummary = {
  period,
  totals: [{ currency: 'USD', confirmed: 2500, pending: 400, reversed: -100, bounty: 0, net: 2400, itemsShipped: 3, itemsReturned: 1 }],
  byTrackingId: [],
  topProducts: [{ asin: 'B000000001', name: 'Standing desk', currency: 'USD', amount: 2500, items: 1 }],
  linkEarnings: [{ linkId: 1, code: 'AbCdEfGh', campaign: 'tiktok', asin: 'B000000001', title: 'Standing desk', currency: 'USD', amount: 2500, items: 1 }],
  topLinks: [{ code: 'AbCdEfGh', campaign: '', asin: 'B000000001', title: 'Standing desk', clicks: 12 }],
  clicks: { click: 12, repeat: 3, preview: 2, bot: 5 },
  hasAnyEntries: true,
};

describe('when earnings are composed', () => {
  it('then /earnings shows the totals, the clicks with bots, and the lists by product and link', () => {
    const c = earningsCard({ who: '@maya', period, summary, publicBaseUrl: 'https://go.test', waiting: [{ trackingId: 'maya-21', marketplace: 'UK' }] });
    expect(view(c).title).toBe('Earnings · Last 7 days');
    expect(view(c).text).toBe('@maya');
    expect(view(c).fields.map((f) => `${f.label}: ${f.value}`)).toEqual([
      'Confirmed: $25.00',
      'Pending: $4.00',
      'Reversed: −$1.00',
      'Net: $24.00',
      'Clicks: 12 clicks · 3 repeats · 2 previews · 5 bots',
    ]);
    expect(view(c).sections.map((s) => s.title)).toEqual(['Top products', 'Commission by link', 'Most-clicked links', 'Waiting for verification']);
    expect(view(c).sections[1]!.lines[0]).toEqual({ text: 'Standing desk · tiktok', url: 'https://go.test/l/AbCdEfGh', detail: '$25.00 · 1 item' });
    expect(view(c).sections[3]!.lines[0]!.text).toBe('maya-21 (amazon.co.uk)');
    expect(view(c).footer).toMatch(/^Times in Europe\/London\./);
  });

  it('then the App Home shows the same figures as /earnings, bots included, with the storefront and its button', () => {
    const home = homeCard({ handle: 'maya', storefrontUrl: 'https://go.test/s/maya', period, summary });
    const command = earningsCard({ who: '@maya', period, summary, publicBaseUrl: 'https://go.test' });
    expect(view(home).title).toBe("@maya's storefront");
    expect(view(home).fields[0]).toEqual({ label: 'Storefront', value: 'https://go.test/s/maya' });
    expect(view(home).fields.slice(1)).toEqual(view(command).fields);
    expect(view(home).fields.at(-1)!.value).toContain('5 bots');
    expect(view(home).buttons).toEqual([{ label: 'Open storefront', url: 'https://go.test/s/maya' }]);
    expect(view(home).footer).toBe('Last 7 days in Europe/London. Refreshed each time you open this tab; /earnings shows other periods.');
  });

  it('then nothing ingested yet says so, for a team too, with the claims waiting for a decision', () => {
    const c = earningsCard({
      who: 'Your team',
      period,
      summary: { ...summary, totals: [], topProducts: [], linkEarnings: [], topLinks: [], hasAnyEntries: false },
      publicBaseUrl: 'https://go.test',
      pendingClaims: 2,
    });
    expect(view(c).text).toBe('No earnings have been ingested for Your team yet. Figures appear here once an Amazon Associates report has been loaded.');
    expect(view(c).sections).toEqual([]);
    expect(view(c).footer).toContain('2 tracking ID claims wait for a decision: /storefront claims.');
  });
});

describe('when link cards are composed', () => {
  it('then /link shows the short link to paste, where it goes, its campaign and the disclosure hint', () => {
    const c = linkCard({
      productLabel: 'Desk lamp',
      shortUrl: 'https://go.test/l/AbCdEfGh',
      destinationUrl: 'https://www.amazon.com/dp/B000000001?tag=maya-20',
      campaign: 'tiktok',
    });
    expect(view(c)).toMatchObject({ visibility: 'ephemeral', tone: 'success', title: 'Desk lamp', copy: 'https://go.test/l/AbCdEfGh' });
    expect(view(c).fields).toEqual([
      { label: 'Goes to', value: 'https://www.amazon.com/dp/B000000001?tag=maya-20' },
      { label: 'Campaign', value: 'tiktok', inline: true },
    ]);
    expect(view(c).footer).toContain('#ad');
    expect(view(linkCard({ productLabel: 'Desk lamp', shortUrl: 'https://go.test/l/x', destinationUrl: 'https://a', campaign: '' })).fields).toHaveLength(1);
  });

  it('then a message with Amazon links is answered in public with the poster’s links, and says how many could not be tagged', () => {
    const lines = [
      shortLinkLine({ productLabel: 'Desk lamp', shortUrl: 'https://go.test/l/AbCdEfGh', asin: 'B000000001' }),
      line('Pan', { url: 'https://go.test/l/HgFeDcBa', detail: 'B000000002' }),
    ];
    const c = autolinkCard({ handle: 'maya', lines, untagged: 1 });
    expect(view(c)).toMatchObject({ visibility: 'channel', title: "@maya's links" });
    expect(view(c).sections[0]).toMatchObject({
      title: 'Tagged short links',
      lines: [{ text: 'Desk lamp', url: 'https://go.test/l/AbCdEfGh', detail: 'B000000001' }, { text: 'Pan' }],
    });
    expect(view(c).footer).toBe('@maya may earn a commission from qualifying purchases. (1 link could not be tagged.)');
    expect(view(autolinkCard({ handle: 'maya', lines: lines.slice(0, 1), untagged: 0 })).title).toBe("@maya's link");
  });

  it('then a pasted short link unfolds into the product, its store, who shares it and the price with its time', () => {
    const c = linkPreviewCard({
      asin: 'B000000001',
      marketplace: 'UK',
      title: null,
      price: { minor: 4999, currency: 'GBP', asOf: new Date('2026-12-03T14:05:00Z') },
      handle: 'maya',
    });
    expect(view(c).title).toBe('Amazon product B000000001');
    expect(view(c).fields.map((f) => [f.label, f.value])).toEqual([
      ['Store', 'amazon.co.uk'],
      ['Shared by', '@maya'],
      ['Price', '£49.99 as of 3 Dec 2026, 14:05 UTC'],
    ]);
    expect(view(linkPreviewCard({ asin: 'B000000001', marketplace: 'UK', title: 'Lamp', price: null, handle: 'maya' })).fields.map((f) => f.label)).toEqual([
      'Store',
      'Shared by',
    ]);
  });
});

describe('when a commission notice is composed', () => {
  it('then it names the influencer, counts the new items, shows each figure that moved and the top items', () => {
    const c = commissionCard(
      {
        handle: 'maya',
        items: 3,
        totals: [{ currency: 'USD', confirmed: 1200, pending: 0, reversed: -300, bounty: 0 }],
        top: [{ asin: 'B000000001', name: 'Desk lamp', currency: 'USD', confirmed: 1200, pending: 0, reversed: 0, bounty: 0 }],
        windows: [],
        dates: { first: '2026-03-01', last: '2026-03-07' },
        reportTypes: ['orders'],
        backfill: false,
      },
      'https://go.test/s/maya',
    );
    expect(view(c)).toMatchObject({
      visibility: 'channel',
      tone: 'success',
      title: 'New commission for @maya',
      text: '3 new items in your Amazon reports.\n\nOrders 1–7 March 2026.',
    });
    expect(view(c).fields).toEqual([
      { label: 'Confirmed', value: '$12.00', inline: true },
      { label: 'Reversed', value: '−$3.00', inline: true },
    ]);
    expect(view(c).sections[0]!.lines).toEqual([{ text: 'Desk lamp', detail: '$12.00 confirmed' }]);
    expect(view(c).buttons).toEqual([{ label: 'Open storefront', url: 'https://go.test/s/maya' }]);
    expect(view(c).footer).toBe('Run /earnings for the details by product and by link.');
  });
});

describe('when a digest is composed', () => {
  it('then the card leads with yesterday in one phrase, then labelled figures, warnings first, the roster and products, and carries the chart and the CSV', () => {
    const { reply, csv } = digestCard(report(), { baseUrl: 'https://go.test' });
    expect(view(reply)).toMatchObject({ title: 'Team digest · 2026-03-14', tone: 'warning' });
    expect(view(reply).text).toBe('Yesterday (Sat) $12.00 confirmed (no change vs Fri), 40 clicks, 1 order. 1 thing to look at below.');
    expect(view(reply).fields.map((f) => f.label)).toEqual([
      'Confirmed yesterday',
      'Clicks yesterday',
      'Orders yesterday',
      'Pending yesterday',
      'Month to date (from 03-01)',
      'Traffic month to date',
    ]);
    expect(view(reply).sections.map((s) => s.title)).toEqual(['Needs attention', 'Influencers by confirmed this month', 'Top products this month']);
    expect(view(reply).sections[0]!.lines[0]!.text).toBe('@maya: click spike, no orders');
    expect(view(reply).footer).toContain('the CSV has the full table');
    const files = cardAttachments(reply);
    expect(files.map((f) => [f.name, f.contentType])).toEqual([
      ['digest-2026-03-14.png', 'image/png'],
      ['digest-2026-03-14.csv', 'text/csv'],
    ]);
    expect(files[0]!.data.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(files[1]!.data.toString('utf8')).toBe(csv);
  });
});

describe('when a digest is composed for a large team', () => {
  it('then the card keeps within the platform limits: top 10 listed, the rest "and N more", long lists shortened until it fits', () => {
    const base = report();
    const one = base.influencers[0]!;
    const big = {
      ...base,
      influencers: Array.from({ length: 1000 }, (_, i) => ({ ...one, influencerId: i + 1, handle: `influencer_${i}_${'x'.repeat(20)}` })),
      topProducts: Array.from({ length: 40 }, (_, i) => ({
        ...base.topProducts[0]!,
        asin: `B${String(i).padStart(9, '0')}`,
        name: `A product with a rather long name, number ${i} *bold* [x]`,
      })),
      warnings: Array.from({ length: 20 }, (_, i) => ({ ...base.warnings[0]!, handle: `influencer_${i}` })),
    };
    const { reply } = digestCard(big, { baseUrl: 'https://go.test' });
    expect(replyChars(reply)).toBeLessThanOrEqual(MAX_CARD_CHARS);
    const roster = view(reply).sections.find((s) => s.title.startsWith('Top 10 of 1,000 influencers by confirmed this month'))!;
    expect(roster.lines.length + roster.more!).toBe(1000);
    for (const s of view(reply).sections) expect(sectionChars(s)).toBeLessThanOrEqual(1024);
    expect(toSlack(reply).blocks.length).toBeLessThan(50);
    expect(toDiscord(reply).embeds).toHaveLength(1);
  });
});
