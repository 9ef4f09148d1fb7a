// The digest's figures as short labelled phrases (changes, plurals, thousands), the quiet-day card, and the
// rendered Block Kit and Discord payloads of a digest, committed as snapshots (a change to what managers read shows
// up in review; `-u` rewrites them after a deliberate change).
import { describe, expect, it } from 'vitest';
import { withHostedFiles } from '../../bots/slack/hostedFiles.ts';
import { renderCard as toDiscord } from '../../bots/discord/render.ts';
import { renderCard as toSlack } from '../../bots/slack/render.ts';
import { changeText, chartSeries, digestCard, isQuietDay, versus } from '../../src/cards/digest.ts';
import { plural } from '../../src/cards/text.ts';
import type { DigestReport } from '../../src/domain/digest/digestReport.ts';
import type { SignedFiles } from '../../src/http/signedFiles.ts';
import { report } from './digestReport.ts';
import { view } from '../support/cardView.ts';

/** Signed URLs with a fixed id, so the payload snapshots stay the same from run to run. */
const hosted = {
  servesImages: true,
  put: async (kind: string, _d: Buffer, name: string) => `https://go.test/${kind === 'chart' ? 'charts' : 'exports'}/${name}?exp=1&sig=x`,
} as unknown as SignedFiles;

/** Nothing at all yesterday (the month before had some). */
function quiet(): DigestReport {
  const r = report();
  const zero = { confirmed: 0, pending: 0, reversed: 0, bounty: 0 };
  const still = (f: DigestReport['totals']): DigestReport['totals'] => ({
    ...f,
    money: f.money.map((m) => ({ ...m, yesterday: zero, dayBeforeConfirmed: 0, weekAgoConfirmed: 0 })),
    yesterday: { ...f.yesterday, clicks: 0, orders: 0, conversion: { orders: 0, clicks: 0, basisPoints: null } },
  });
  return { ...r, totals: still(r.totals), influencers: r.influencers.map((i) => ({ ...i, ...still(i) })), warnings: [] };
}

describe('when a change is written', () => {
  it('then it is a signed percentage with separators, "no change" when equal (zero against zero included), and "—" with no base', () => {
    expect(changeText(29_700, 10_000)).toBe('+197%');
    expect(changeText(5, 10)).toBe('-50%');
    expect(changeText(0, 0)).toBe('no change');
    expect(changeText(7, 7)).toBe('no change');
    expect(changeText(12, 0)).toBe('—');
    expect(changeText(1001, 1000)).toBe('+<1%');
    expect(changeText(999, 1000)).toBe('-<1%');
    expect(changeText(250_000, 100)).toBe('+249,900%');
    expect(versus(0, 0, 'vs Mon')).toBe('no change vs Mon');
    for (const [a, b] of [
      [0, 0],
      [3, 3],
      [0, 5],
      [5, 0],
    ] as const)
      expect(changeText(a, b)).not.toContain('±');
  });

  it('then counts take one plural helper: 1 bot, 2 bots, 1,204 clicks', () => {
    expect([plural(1, 'bot'), plural(2, 'bot'), plural(0, 'bot'), plural(1204, 'click'), plural(1, 'reply', 'replies')]).toEqual([
      '1 bot',
      '2 bots',
      '0 bots',
      '1,204 clicks',
      '1 reply',
    ]);
  });
});

describe('when a digest is read at a glance', () => {
  it('then yesterday is one phrase with its change, and the roster lines say what each influencer did', () => {
    const { reply } = digestCard(report());
    expect(view(reply).text).toBe('Yesterday (Sat) $12.00 confirmed (no change vs Fri), 40 clicks, 1 order. 1 thing to look at below.');
    expect(view(reply).fields.find((f) => f.label === 'Clicks yesterday')!.value).toBe('40 (no change vs Fri, — vs last Sat)');
    expect(view(reply).sections[1]!.lines[0]).toEqual({ text: '@maya', detail: '$12.00 yesterday (no change vs Fri), 40 clicks, 1 order · $24.00 this month' });
    const all = JSON.stringify(reply.elements);
    expect(all).not.toMatch(/±|\b1 (bots|clicks|orders|influencers)\b|new\/new|MTD/);
  });

  it('then traffic that was not counted is named only when there was some, with plurals right', () => {
    const r = report();
    r.totals = { ...r.totals, monthToDate: { ...r.totals.monthToDate, bots: 1, repeats: 2 } };
    expect(view(digestCard(r).reply).fields.find((f) => f.label === 'Traffic month to date')!.value).toBe(
      '80 clicks, 1 order (1.3% of clicks); not counted: 2 repeats and 1 bot',
    );
    expect(view(digestCard(report()).reply).fields.find((f) => f.label === 'Traffic month to date')!.value).toBe('80 clicks, 1 order (1.3% of clicks)');
  });
});

describe('when nothing happened yesterday', () => {
  it('then the digest is a short quiet-day card with the month so far, not an empty card', () => {
    const r = quiet();
    expect(isQuietDay(r)).toBe(true);
    const { reply } = digestCard(r);
    expect(view(reply).text).toBe(
      'Quiet day: no clicks, orders or commission on Sat 2026-03-14 across 1 influencer: @maya. Month to date: $24.00 confirmed, 80 clicks.',
    );
    expect(view(reply).fields).toEqual([]);
    expect(view(reply).sections).toEqual([]);
    expect(toSlack(reply).blocks.length).toBeLessThanOrEqual(4);
  });

  it('then a month with nothing at all carries no chart and no CSV', () => {
    const r = quiet();
    r.series = { ...r.series, days: r.series.days.map((d) => ({ ...d, commissionMinor: 0, pendingMinor: 0, clicks: 0 })), influencers: [] };
    expect(digestCard(r).reply.elements.filter((e) => e.type === 'chart' || e.type === 'file')).toEqual([]);
  });
});

describe('when the chart is split by influencer', () => {
  it('then the top five have their own stack and everyone else is "Others", and each day still adds up to its total', () => {
    const r = report();
    const days = r.series.days.length;
    r.series = {
      ...r.series,
      days: r.series.days.map((d) => ({ ...d, commissionMinor: 700 })),
      influencers: Array.from({ length: 7 }, (_, k) => ({ influencerId: k + 1, handle: `h${k}`, confirmed: Array<number>(days).fill(100), total: 100 * days })),
    };
    const { days: chartDays, stacks } = chartSeries(r);
    expect(stacks).toEqual(['@h0', '@h1', '@h2', '@h3', '@h4', 'Others']);
    expect(chartDays[0]!.stacks).toEqual([100, 100, 100, 100, 100, 200]);
    expect(chartDays.every((d) => d.stacks!.reduce((a, b) => a + b, 0) === d.commissionMinor)).toBe(true);
  });
});

describe('when the digest is rendered for each platform', () => {
  it('then the Block Kit message (chart as an image block, from a signed URL) matches its snapshot', async () => {
    const card = await withHostedFiles(digestCard(report(), { baseUrl: 'https://go.test' }).reply, hosted, { filesAsLinks: false });
    expect(toSlack(card)).toMatchSnapshot();
  });

  it('then the answer to /digest now on Slack offers the CSV as a download button, and matches its snapshot', async () => {
    const card = await withHostedFiles(digestCard(report(), { baseUrl: 'https://go.test' }).reply, hosted, { filesAsLinks: true });
    const msg = toSlack(card);
    expect(msg.blocks.filter((b) => b.type === 'image')).toHaveLength(1);
    expect(JSON.stringify(msg.blocks)).toContain('https://go.test/exports/digest-2026-03-14.csv');
    expect(msg).toMatchSnapshot();
  });

  it('then the Discord message (chart as the embed image, from its attachment) matches its snapshot', () => {
    const msg = toDiscord(digestCard(report(), { baseUrl: 'https://go.test' }).reply);
    expect(msg.embeds[0]!.image).toEqual({ url: 'attachment://digest-2026-03-14.png' });
    expect(msg).toMatchSnapshot();
  });

  it('then the quiet-day card on both platforms matches its snapshot', () => {
    const { reply } = digestCard(quiet());
    expect({ slack: toSlack(reply), discord: toDiscord(reply) }).toMatchSnapshot();
  });
});
