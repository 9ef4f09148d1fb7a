// Click test helpers: random clicks for a world of influencers and links (a few links take most), refreshes that
// wait for this file's clicks, and the counts computed straight from clicks (independent of the rollup code).
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import type { ClickKind } from '../../src/db/schema.ts';
import { refreshClickRollups, type ClickRefreshResult } from '../../src/domain/clicks/clickRollupRefresh.ts';
import { randomInstant, type Rng } from '../earnings/support.ts';
import { organisationOfLink } from '../support/fixtures.ts';

export interface ClickSpec {
  linkId: number;
  at: Date;
  kind: ClickKind;
}

/** `count` clicks on `links` (skewed towards the first ones), a third of them near a local midnight somewhere. */
export function randomClicks(r: Rng, links: number[], count: number, from: number, to: number): ClickSpec[] {
  return Array.from({ length: count }, () => {
    const k = r.next();
    return {
      linkId: links[Math.min(links.length - 1, Math.floor(links.length * r.next() ** 2))]!,
      at: randomInstant(r, from, to),
      kind: k < 0.6 ? 'click' : k < 0.8 ? 'repeat' : k < 0.9 ? 'preview' : 'bot',
    };
  });
}

/** Inserts the clicks as the click buffer does (one statement per batch); returns the highest id. */
export async function insertClicks(db: Db, clicks: ClickSpec[]): Promise<number> {
  let max = 0;
  for (let i = 0; i < clicks.length; i += 1000) {
    const batch = clicks.slice(i, i + 1000);
    const rows = await sql<{ id: string }>`
      INSERT INTO clicks (link_id, clicked_at, kind, device, visitor_hash, organisation_id)
      SELECT l, t, k, 'mobile', 'v', ${organisationOfLink(sql`l`)} FROM unnest(${batch.map((c) => c.linkId)}::bigint[], ${batch.map((c) => c.at.toISOString())}::timestamptz[], ${batch.map((c) => c.kind)}::text[]) AS x(l, t, k)
      RETURNING id`.execute(db);
    for (const row of rows.rows) max = Math.max(max, Number(row.id));
  }
  return max;
}

/** Refreshes until the rollups cover `upTo` (other test files may briefly hold ids back), then returns the last result. */
export async function refreshClicksUntil(db: Db, upTo: number): Promise<ClickRefreshResult> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await refreshClickRollups(db);
    if (r.horizon >= upTo) return r;
    if (Date.now() > deadline) throw new Error(`click rollups stuck at ${r.horizon} below ${upTo}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const range = (from: Date | null, to: Date | null) => sql`${from ? sql`AND c.clicked_at >= ${from}` : sql``} ${to ? sql`AND c.clicked_at < ${to}` : sql``}`;

/** Clicks by kind per influencer, straight from clicks, in [from, to). */
export async function rawKindCounts(db: Db, influencers: number[], from: Date | null, to: Date | null) {
  const rows = await sql<{ id: string; click: string; repeat: string; preview: string; bot: string }>`
    SELECT k.influencer_id AS id, count(*) FILTER (WHERE c.kind = 'click') AS click, count(*) FILTER (WHERE c.kind = 'repeat') AS repeat,
           count(*) FILTER (WHERE c.kind = 'preview') AS preview, count(*) FILTER (WHERE c.kind = 'bot') AS bot
      FROM clicks c JOIN links k ON k.id = c.link_id
     WHERE k.influencer_id = ANY(${influencers}::bigint[]) ${range(from, to)}
     GROUP BY 1 ORDER BY 1`.execute(db);
  return rows.rows.map((x) => ({
    influencerId: Number(x.id),
    click: Number(x.click),
    repeat: Number(x.repeat),
    preview: Number(x.preview),
    bot: Number(x.bot),
  }));
}

/** The most-clicked links (unique clicks), straight from clicks: most first, then by code. */
export async function rawTopLinks(db: Db, influencers: number[], from: Date | null, to: Date | null, limit: number) {
  const rows = await sql<{ id: string; code: string; n: string }>`
    SELECT k.id, k.code, count(*) AS n FROM clicks c JOIN links k ON k.id = c.link_id
     WHERE k.influencer_id = ANY(${influencers}::bigint[]) AND c.kind = 'click' ${range(from, to)}
     GROUP BY 1, 2 ORDER BY 3 DESC, 2 LIMIT ${limit}`.execute(db);
  return rows.rows.map((x) => ({ linkId: Number(x.id), code: x.code, clicks: Number(x.n) }));
}
