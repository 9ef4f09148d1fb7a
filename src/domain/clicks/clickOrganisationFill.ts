// Fills the organisation of clicks and click rollups written before they carried it (migration
// 2026-12-07T09-00-00_click_organisations): click ids and influencers up to those noted by the migration, a batch at a
// time, each in a short transaction of its own, within a time budget per run. So an existing deployment's clicks are
// filled in the background without the long lock a single UPDATE would take, while redirects keep writing.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.ts';

export interface FillOptions {
  /** Stop starting batches after this long (ms). */
  budgetMs?: number;
  /** Click ids per batch. */
  clickBatch?: number;
  /** Influencers whose rollup rows are filled per batch. */
  influencerBatch?: number;
}

export interface FillResult {
  clicks: number;
  rollups: number;
  /** True once every row from before the migration has its organisation. */
  done: boolean;
}

export async function fillClickOrganisations(db: Db, opts: FillOptions = {}): Promise<FillResult> {
  const until = Date.now() + (opts.budgetMs ?? 30_000);
  const clickBatch = opts.clickBatch ?? 20_000;
  const influencerBatch = opts.influencerBatch ?? 20;
  const out: FillResult = { clicks: 0, rollups: 0, done: false };
  do {
    const step = await db.transaction().execute(async (trx) => {
      const s = await trx.selectFrom('click_organisation_fill').selectAll().where('id', '=', 1).forUpdate().executeTakeFirst();
      if (!s || s.done_at) return 'done';
      const [nextClick, lastClick] = [Number(s.next_click_id), Number(s.last_click_id)];
      if (nextClick < lastClick) {
        const hi = Math.min(lastClick, nextClick + clickBatch);
        const r = await sql`
          UPDATE clicks c SET organisation_id = i.organisation_id
            FROM links k JOIN influencers i ON i.id = k.influencer_id
           WHERE c.id > ${nextClick} AND c.id <= ${hi} AND c.organisation_id IS NULL AND k.id = c.link_id`.execute(trx);
        await trx.updateTable('click_organisation_fill').set({ next_click_id: hi }).where('id', '=', 1).execute();
        out.clicks += Number(r.numAffectedRows ?? 0);
        return 'more';
      }
      const [nextInfluencer, lastInfluencer] = [Number(s.next_influencer_id), Number(s.last_influencer_id)];
      if (nextInfluencer < lastInfluencer) {
        const hi = Math.min(
          lastInfluencer,
          Number(
            (
              await sql<{ hi: string | null }>`
                SELECT max(id) AS hi FROM (SELECT id FROM influencers WHERE id > ${nextInfluencer} ORDER BY id LIMIT ${influencerBatch}) b`.execute(trx)
            ).rows[0]?.hi ?? lastInfluencer,
          ),
        );
        const r = await sql`
          UPDATE click_rollups r SET organisation_id = i.organisation_id FROM influencers i
           WHERE r.influencer_id > ${nextInfluencer} AND r.influencer_id <= ${hi} AND r.organisation_id IS NULL AND i.id = r.influencer_id`.execute(trx);
        await trx.updateTable('click_organisation_fill').set({ next_influencer_id: hi }).where('id', '=', 1).execute();
        out.rollups += Number(r.numAffectedRows ?? 0);
        return 'more';
      }
      await trx.updateTable('click_organisation_fill').set({ done_at: new Date() }).where('id', '=', 1).execute();
      return 'done';
    });
    if (step === 'done') return { ...out, done: true };
  } while (Date.now() < until);
  return out;
}

const FILLED_TABLES = ['clicks', 'click_rollups'] as const;

/**
 * Once the fill is done, organisation_id becomes NOT NULL on clicks and click_rollups (a Citus distribution key must
 * always be present, and no row can slip out of an organisation's figures). A plain SET NOT NULL would scan the
 * table under an exclusive lock, stopping click writes for the whole scan; instead a CHECK added NOT VALID is
 * validated under a lock writers do not wait for, and SET NOT NULL takes its proof from it. The statements that do
 * take an exclusive lock hold it a moment, and give up after `lockTimeoutMs` rather than queue click writes behind
 * a long reader: the table is then left as it was, to try again next run. Idempotent. Returns the tables changed.
 */
export async function requireClickOrganisations(db: Db, opts: { lockTimeoutMs?: number } = {}): Promise<string[]> {
  const briefly = (statement: RawBuilder<unknown>) =>
    db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('lock_timeout', ${`${opts.lockTimeoutMs ?? 2000}ms`}, true)`.execute(trx);
      await statement.execute(trx);
    });
  const changed: string[] = [];
  for (const table of FILLED_TABLES) {
    const nullable = await sql<{ nullable: boolean }>`
      SELECT NOT attnotnull AS nullable FROM pg_attribute WHERE attrelid = ${table}::regclass AND attname = 'organisation_id'`.execute(db);
    if (nullable.rows[0]?.nullable !== true) continue;
    const t = sql.table(table);
    const check = sql.id(`${table}_organisation_present`);
    try {
      await briefly(sql`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${check}`);
      await briefly(sql`ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (organisation_id IS NOT NULL) NOT VALID`);
      await briefly(sql`ALTER TABLE ${t} VALIDATE CONSTRAINT ${check}`);
      await briefly(sql`ALTER TABLE ${t} ALTER COLUMN organisation_id SET NOT NULL`);
      changed.push(table);
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
    } finally {
      // The NOT NULL stands on its own, and an unproved check is not left refusing writes.
      await briefly(sql`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${check}`).catch(() => undefined);
    }
  }
  return changed;
}
/** SQLSTATE of a lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';
