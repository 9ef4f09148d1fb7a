// The organisation the operator means. The CLI and the global feeds token act for the operator, who may run one
// team (every command then means that organisation, with no flag) or several (then each command names one).
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { isUniqueViolation, UserError } from '../../errors.ts';

export const DEFAULT_ORGANISATION_NAME = 'Default organisation';

/**
 * `explicit` when given (it must exist); else the operator's default organisation: the one marked so, else the only
 * organisation there is (marked from then on), else a new one when there is none. With several organisations and
 * none marked, the caller must name one.
 */
export async function operatorOrganisation(db: Db, explicit?: number): Promise<number> {
  if (explicit !== undefined) {
    const found = await db.selectFrom('organisations').select('id').where('id', '=', explicit).executeTakeFirst();
    if (!found) throw new UserError('not_found', `No organisation has the id ${explicit}. List them with: npm run cli -- org list`);
    return found.id;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const marked = await db.selectFrom('organisations').select('id').where('operator_default', '=', true).executeTakeFirst();
    if (marked) return marked.id;
    const some = await db.selectFrom('organisations').select('id').orderBy('id').limit(2).execute();
    if (some.length > 1) {
      throw new UserError(
        'invalid_input',
        'Several organisations exist: name one (--org <id> in the CLI, ?org=<id> on the feeds API). List them with: npm run cli -- org list',
      );
    }
    try {
      if (some.length === 1) {
        await db.updateTable('organisations').set({ operator_default: true }).where('id', '=', some[0]!.id).execute();
        return some[0]!.id;
      }
      return (
        await db.insertInto('organisations').values({ name: DEFAULT_ORGANISATION_NAME, operator_default: true }).returning('id').executeTakeFirstOrThrow()
      ).id;
    } catch (err) {
      // Another process marked or created the default at the same moment: read it again.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  throw new Error('Could not settle the operator default organisation');
}

/** An organisation id as typed by an operator (`--org 3`, `?org=3`). */
export function parseOrganisationId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw.trim()))
    throw new UserError('invalid_input', `"${raw.slice(0, 20)}" is not an organisation id (a number, see: npm run cli -- org list).`);
  return Number(raw.trim());
}

/** The organisation an influencer belongs to. */
export async function organisationOfInfluencer(db: Db, influencerId: number): Promise<number> {
  const row = await sql<{ organisation_id: number }>`SELECT organisation_id FROM influencers WHERE id = ${influencerId}`.execute(db);
  if (!row.rows[0]) throw new UserError('not_found', 'That storefront no longer exists.');
  return Number(row.rows[0].organisation_id);
}
