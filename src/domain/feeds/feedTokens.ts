// Feed tokens: bearer tokens of the feeds API that act for one organisation. A manager creates them from chat (or
// the operator from the CLI); the token is shown once and only its digest is kept, so a database reader cannot use
// one. A revoked token stops working at once.
import type { Db } from '../../db/database.ts';
import { UserError } from '../../errors.ts';
import { hashCode } from '../common/oneTimeCodes.ts';
import { randomBase62 } from '../common/base62.ts';

const PREFIX = 'aff_ft_';
const NAMESPACE = 'feed-token';
/** Tokens an organisation may have at once (not revoked): enough for every script and network, not a mint. */
export const MAX_ACTIVE_FEED_TOKENS = 20;

export interface FeedTokenInfo {
  id: number;
  name: string;
  /** The token's last characters, to tell tokens apart. */
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const digest = (token: string) => hashCode(NAMESPACE, token);

/** Whether a string could be one of our tokens at all (checked before any look-up; older tokens were base64url). */
export function looksLikeFeedToken(raw: string): boolean {
  return /^aff_ft_[A-Za-z0-9_-]{32}$/.test(raw);
}

export async function createFeedToken(
  db: Db,
  args: { organisationId: number; name: string; createdByIdentityId?: number | null },
): Promise<FeedTokenInfo & { token: string }> {
  const name = args.name.trim().replace(/\s+/g, ' ').slice(0, 60) || 'feed';
  const active = await db
    .selectFrom('feed_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organisation_id', '=', args.organisationId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(active.n) >= MAX_ACTIVE_FEED_TOKENS)
    throw new UserError('conflict', `This organisation already has ${MAX_ACTIVE_FEED_TOKENS} feed tokens. Revoke one it no longer uses first.`);
  // Letters and digits only, so its last characters (the hint operators type) never start with "-". 32 × 5.95 bits.
  const token = PREFIX + randomBase62(32);
  const row = await db
    .insertInto('feed_tokens')
    .values({
      organisation_id: args.organisationId,
      name,
      token_hash: digest(token),
      hint: token.slice(-4),
      created_by_identity_id: args.createdByIdentityId ?? null,
      last_used_at: null,
      revoked_at: null,
      revoked_by_identity_id: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...info(row), token };
}

export async function listFeedTokens(db: Db, organisationId: number, opts: { includeRevoked?: boolean } = {}): Promise<FeedTokenInfo[]> {
  let q = db.selectFrom('feed_tokens').selectAll().where('organisation_id', '=', organisationId);
  if (!opts.includeRevoked) q = q.where('revoked_at', 'is', null);
  return (await q.orderBy('id').execute()).map(info);
}

/** Revokes one of the organisation's tokens, named by its id or its last characters. */
export async function revokeFeedToken(db: Db, args: { organisationId: number; which: string; revokedByIdentityId?: number | null }): Promise<FeedTokenInfo> {
  const which = args.which.trim().replace(/^#/, '').replace(/^…/, '');
  const tokens = await db.selectFrom('feed_tokens').selectAll().where('organisation_id', '=', args.organisationId).where('revoked_at', 'is', null).execute();
  const matches = tokens.filter((t) => String(t.id) === which || (which.length >= 4 && t.hint === which.slice(-4)));
  if (matches.length === 0)
    throw new UserError('not_found', `This organisation has no active feed token "${which.slice(0, 40)}". See the list with feed-token list.`);
  if (matches.length > 1)
    throw new UserError(
      'invalid_input',
      `Several tokens end in "${which.slice(-4)}": give the token's number instead (${matches.map((m) => `#${m.id}`).join(', ')}).`,
    );
  const row = await db
    .updateTable('feed_tokens')
    .set({ revoked_at: new Date(), revoked_by_identity_id: args.revokedByIdentityId ?? null })
    .where('id', '=', matches[0]!.id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirstOrThrow();
  return info(row);
}

/** The organisation a presented token acts for, or undefined when it is no (longer a) token of ours. */
export async function authenticateFeedToken(db: Db, token: string): Promise<{ tokenId: number; organisationId: number } | undefined> {
  if (!looksLikeFeedToken(token)) return undefined;
  const row = await db
    .updateTable('feed_tokens')
    .set({ last_used_at: new Date() })
    .where('token_hash', '=', digest(token))
    .where('revoked_at', 'is', null)
    .returning(['id', 'organisation_id'])
    .executeTakeFirst();
  return row ? { tokenId: row.id, organisationId: row.organisation_id } : undefined;
}

function info(row: { id: number; name: string; hint: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }): FeedTokenInfo {
  return { id: Number(row.id), name: row.name, hint: row.hint, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at };
}
