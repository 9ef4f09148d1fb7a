import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { renderReply } from '../../bots/slack/render.ts';
import type { Database } from '../../src/db/schema.ts';
import { MAX_CARD_CHARS, digestCard, displayChars, replyChars, sectionChars } from '../../src/cards/digest.ts';
import { buildDigest } from '../../src/domain/digest/digestReport.ts';
import { csvCell, toCsv } from '../../src/domain/digest/csv.ts';
import { testDb } from '../support/env.ts';
import { addClicks, addInfluencers, addLedger, newOrganisation } from './seed.ts';
import { view } from '../support/cardView.ts';

const db = testDb();
afterAll(() => db.destroy());

const NOW = new Date('2026-03-15T14:00:00Z'); // yesterday is Saturday 2026-03-14 in New York
const tz = 'America/New_York';
const Y = '2026-03-14T16:00:00Z';

/** RFC 4180 reader for checking what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell === '' && row.length === 0, 'every record ends with CRLF').toBe(true);
  return rows;
}

describe('when the organisation has 1,000 influencers', () => {
  it('then the digest is built with a fixed handful of queries and the card stays within platform limits, with the rest in "and N more" and the CSV', async () => {
    const org = await newOrganisation(db);
    const people = await addInfluencers(db, org, 1000);
    // Three confirmed lines each, amounts spread so the ranking is known; clicks and an order for everyone.
    await sql`INSERT INTO ledger_entries (organisation_id, network, line_key, kind, report_type, tracking_id, influencer_id, marketplace, occurred_at, quantity, amount_minor, currency)
              SELECT i.organisation_id, 'amazon', 'big:' || i.id || ':' || k, 'confirmed', 'earnings', t.tracking_id, i.id, 'US', ${new Date(Y)}, 1, (i.id % 1000) * 10 + k, 'USD'
                FROM influencers i JOIN tracking_ids t ON t.influencer_id = i.id, generate_series(1, 3) k
               WHERE i.organisation_id = ${org}`.execute(db);
    await sql`INSERT INTO clicks (link_id, clicked_at, kind, device, visitor_hash, organisation_id)
              SELECT k.id, ${new Date(Y)}, 'click', 'mobile', 'v' || g, i.organisation_id FROM links k JOIN influencers i ON i.id = k.influencer_id, generate_series(1, 5) g
               WHERE i.organisation_id = ${org}`.execute(db);

    const queries: string[] = [];
    const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 4 });
    const counted = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (e) => void (e.level === 'query' && queries.push(e.query.sql)) });
    const started = performance.now();
    const report = await buildDigest(counted, org, { timezone: tz, now: NOW }).finally(() => counted.destroy());
    const took = performance.now() - started;
    // A fixed number whatever the roster's size: ledger, click rollup pieces of each window, feeds, link health (20 today).
    expect(queries.length).toBeLessThanOrEqual(20);
    expect(took).toBeLessThan(5000);
    expect(report.influencers).toHaveLength(1000);
    expect(report.totals.yesterday.clicks).toBe(5000);

    const { reply, csv, chartPng } = digestCard(report, { baseUrl: 'https://go.test' });
    const roster = view(reply).sections!.find((s) => s.title.includes('influencers by confirmed this month'))!;
    expect(roster.title).toBe('Top 10 of 1,000 influencers by confirmed this month');
    expect(roster.lines).toHaveLength(10);
    expect(roster.more).toBe(990);
    const best = report.influencers[0]!;
    expect(roster.lines[0]!.text).toBe(`@${best.handle}`);
    expect(best.money[0]!.monthToDate.confirmed).toBe(Math.max(...report.influencers.map((i) => i.money[0]!.monthToDate.confirmed)));

    // Discord: 6000 characters over the embeds, field values of 1024, 25 fields; Slack: 50 blocks of 3000.
    expect(replyChars(reply)).toBeLessThanOrEqual(MAX_CARD_CHARS);
    for (const s of view(reply).sections!) expect(sectionChars(s)).toBeLessThanOrEqual(1024);
    expect((view(reply).fields?.length ?? 0) + view(reply).sections!.length).toBeLessThanOrEqual(25);
    for (const f of view(reply).fields!) expect(displayChars(f.value)).toBeLessThanOrEqual(1024);
    const slack = renderReply(reply);
    expect(slack.blocks.length).toBeLessThan(50); // so the renderer dropped no block
    expect(JSON.stringify(slack.blocks)).toContain('…and 990 more');

    const rows = parseCsv(csv);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1001);
    expect(rows).toHaveLength(1001);
    expect(new Set(rows.map((r) => r.length))).toEqual(new Set([rows[0]!.length]));
    const col = (name: string) => rows[0]!.indexOf(name);
    expect(
      rows
        .slice(1)
        .map((r) => r[col('handle')])
        .sort(),
    ).toEqual(people.map((p) => p.handle).sort());
    expect(rows[1]![col('handle')]).toBe(best.handle);
    expect(rows[1]![col('confirmed_mtd_USD')]).toBe((best.money[0]!.monthToDate.confirmed / 100).toFixed(2));
    expect(rows[1]![col('clicks_yesterday')]).toBe('5');
    expect(rows[1]![col('conversion_yesterday_pct')]).toBe('60.00'); // 3 items shipped (no order lines) per 5 clicks
    expect(chartPng.subarray(1, 4).toString('ascii')).toBe('PNG');
  });
});

describe('when the table is opened in a spreadsheet', () => {
  it('then names that look like formulas are neutralised with a quote, while our own negative amounts stay numbers', async () => {
    const org = await newOrganisation(db);
    const names = ['=HYPERLINK("http://evil.test","click")', '+1+2', '-2+3', '@SUM(A1:A9)', 'Comma, "quotes"\nand a new line', 'Plain name'];
    const people = await addInfluencers(db, org, names.length, (i) => names[i]!);
    await addLedger(db, { influencerId: people[0]!.id, trackingId: people[0]!.trackingId }, [{ kind: 'reversal', amount: -150, at: Y }]);
    const { csv } = digestCard(await buildDigest(db, org, { timezone: tz, now: NOW }));
    const rows = parseCsv(csv);
    const col = (name: string) => rows[0]!.indexOf(name);
    const shown = new Map(rows.slice(1).map((r) => [r[col('handle')]!, r]));
    const nameOf = (i: number) => shown.get(people[i]!.handle)![col('display_name')];
    expect(nameOf(0)).toBe(`'=HYPERLINK("http://evil.test","click")`);
    expect(nameOf(1)).toBe("'+1+2");
    expect(nameOf(2)).toBe("'-2+3");
    expect(nameOf(3)).toBe("'@SUM(A1:A9)");
    expect(nameOf(4)).toBe('Comma, "quotes"\nand a new line');
    expect(nameOf(5)).toBe('Plain name');
    expect(shown.get(people[0]!.handle)![col('reversed_yesterday_USD')]).toBe('-1.50');
    expect(csv).toContain('"Comma, ""quotes""\nand a new line"');
  });

  it('then cells are quoted per RFC 4180 only when they must be', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 'line\r\nbreak', 7, null]])).toBe('a,"b,c","say ""hi""","line\r\nbreak",7,\r\n');
    expect([csvCell('=1+1'), csvCell('\t=cmd'), csvCell('-12.50'), csvCell(-3), csvCell('-x')]).toEqual(["'=1+1", "'\t=cmd", '-12.50', '-3', "'-x"]);
  });
});

describe('when the card is read', () => {
  it('then it reads as short labelled phrases: yesterday with its change, the warnings first, the roster, top products and links', async () => {
    const org = await newOrganisation(db);
    const [a, b] = await addInfluencers(db, org, 2);
    await addLedger(db, { influencerId: a!.id, trackingId: a!.trackingId }, [
      { kind: 'confirmed', amount: 1200, at: Y, asin: 'B0CARDAAAA', productName: 'Camping stove' },
      { kind: 'confirmed', amount: 1000, at: '2026-03-13T16:00:00Z' }, // Friday
      { kind: 'confirmed', amount: 2400, at: '2026-03-07T16:00:00Z' }, // last Saturday
      { kind: 'pending', amount: 300, at: Y, asin: 'B0CARDAAAA', productName: 'Camping stove' },
    ]);
    await addClicks(db, a!.linkId, Y, 8);
    await addClicks(db, b!.linkId, Y, 30); // a spike with no order
    const report = await buildDigest(db, org, { timezone: tz, now: NOW });
    const { reply } = digestCard(report, { baseUrl: 'https://go.test' });

    expect(view(reply).title).toBe('Team digest · 2026-03-14');
    expect(reply.tone).toBe('warning');
    expect(view(reply).text).toBe('Yesterday (Sat) $12.00 confirmed (+20% vs Fri), $3.00 pending, 38 clicks, 1 order. 1 thing to look at below.');
    expect(view(reply).fields).toContainEqual({ label: 'Confirmed yesterday', value: '$12.00 (+20% vs Fri, -50% vs last Sat)', inline: true });
    expect(view(reply).fields).toContainEqual({ label: 'Orders yesterday', value: '1 order (2.6% of clicks)', inline: true });
    expect(view(reply).sections![0]).toMatchObject({ title: 'Needs attention', lines: [{ text: `@${b!.handle}: click spike, no orders` }] });
    const roster = view(reply).sections![1]!;
    expect(roster.lines[0]).toEqual({ text: `@${a!.handle}`, detail: '$12.00 yesterday (+20% vs Fri), $3.00 pending, 8 clicks, 1 order · $46.00 this month' });
    expect(roster.lines[1]).toEqual({ text: `@${b!.handle}`, detail: '30 clicks' });
    expect(view(reply).sections!.find((s) => s.title === 'Top products this month')!.lines[0]).toEqual({
      text: 'Camping stove',
      detail: '$12.00 confirmed, $3.00 pending, 1 order · B0CARDAAAA',
    });
    const links = view(reply).sections!.find((s) => s.title === 'Top links this month')!;
    expect(links.lines[0]).toMatchObject({
      text: expect.stringMatching(new RegExp(`^@${b!.handle} · `)),
      url: expect.stringMatching(/^https:\/\/go\.test\/l\//),
      detail: '30 clicks (30 yesterday)',
    });
    expect(view(reply).footer).toContain('the CSV has the full table');
    // The chart's split: each influencer's confirmed per day, and the day's pending apart.
    expect(report.series.influencers.map((i) => [i.handle, i.total])).toEqual([[a!.handle, 4600]]);
    expect(report.series.influencers[0]!.confirmed.at(-1)).toBe(1200);
    expect(report.series.days.at(-1)).toMatchObject({ date: '2026-03-14', commissionMinor: 1200, pendingMinor: 300, clicks: 38 });
  });

  it('then an organisation without influencers is told how they join', async () => {
    const org = await newOrganisation(db);
    const { reply, csv } = digestCard(await buildDigest(db, org, { timezone: tz, now: NOW }));
    expect(view(reply).text).toBe('No influencers in your team yet. They join with /storefront setup.');
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1);
  });
});
