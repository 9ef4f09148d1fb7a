// Invites hand a storefront to its real owner. The operator creates an influencer from the CLI (or a manager from
// chat) inside an organisation and issues a code; the person redeems it from Slack or Discord in a workspace of that
// organisation and from then on owns that storefront, its tracking IDs and its history, as if they had set it up.
// Codes are stored hashed, last 7 days and work once; a new code for a storefront retires its earlier unused ones, so
// only the latest one handed out is live. A manager's invite names one chat user, and only that user can redeem it.
import type { Db } from '../../db/database.ts';
import type { Platform } from '../../db/schema.ts';
import { UserError } from '../../errors.ts';
import type { Identity } from './identities.ts';
import { normaliseHandle } from '../common/handles.ts';
import { codePattern, generateCode, hashCode, readCode } from '../common/oneTimeCodes.ts';

export const INVITE_CODE_LENGTH = 10;
export const INVITE_TTL_MS = 7 * 86_400_000;
// 31^10 ≈ 8e14 codes: far beyond guessing within 7 days.
const CODE_RE = codePattern(INVITE_CODE_LENGTH);
const hashInvite = (code: string) => hashCode('influencer-invite', code);

export interface IssuedInvite {
  code: string;
  expiresAt: Date;
  influencer: { id: number; handle: string; organisationId: number };
}

export interface InviteOptions {
  /** The manager issuing it from chat (null: the operator, from the CLI). */
  issuedBy?: Identity | null;
  /** Only this chat user may redeem it. */
  forUser?: { platform: Platform; userId: string } | null;
  now?: Date;
}

/** A fresh invite for the influencer with `handle`; a manager may only invite to their own organisation's storefronts. */
export async function issueInvite(db: Db, handle: string, opts: InviteOptions = {}): Promise<IssuedInvite> {
  const now = opts.now ?? new Date();
  if (opts.issuedBy && !opts.issuedBy.isManager) throw new UserError('forbidden', 'Only managers can invite people to a storefront.');
  const wanted = normaliseHandle(handle);
  const influencer = await db.selectFrom('influencers').select(['id', 'handle', 'organisation_id']).where('handle', '=', wanted).executeTakeFirst();
  // Another organisation's storefront reads as missing: a manager learns nothing about other organisations.
  if (!influencer || (opts.issuedBy && influencer.organisation_id !== opts.issuedBy.organisationId))
    throw new UserError('not_found', `There is no storefront @${wanted} in this organisation.`);
  const code = generateCode(INVITE_CODE_LENGTH);
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('influencer_invites')
      .set({ expires_at: now })
      .where('influencer_id', '=', influencer.id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    await trx
      .insertInto('influencer_invites')
      .values({
        code: hashInvite(code),
        influencer_id: influencer.id,
        organisation_id: influencer.organisation_id,
        issued_by_identity_id: opts.issuedBy?.id ?? null,
        for_platform: opts.forUser?.platform ?? null,
        for_user_id: opts.forUser?.userId ?? null,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
        used_by_identity_id: null,
      })
      .execute();
  });
  return { code: formatInviteCode(code), expiresAt, influencer: { id: influencer.id, handle: influencer.handle, organisationId: influencer.organisation_id } };
}

/** Shown in two groups of five, easier to read out and retype: `ABCDE-FGHJK`. */
export function formatInviteCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export interface RedeemedInvite {
  influencerId: number;
  handle: string;
  /** False when this account already owned that storefront (nothing changed). */
  changed: boolean;
}

/**
 * Makes `identity` the owner of the invite's storefront. The code is spent in the same transaction, so it works once;
 * a wrong, spent, expired, foreign-organisation or someone else's code changes nothing and says which it is where that
 * tells a guesser nothing (a code that does not exist and one that expired read the same).
 */
export async function redeemInvite(db: Db, identity: Identity, rawCode: string, now = new Date()): Promise<RedeemedInvite> {
  const invalid = new UserError(
    'not_found',
    'That invite code is not valid: it may be mistyped, used already or expired (invites last 7 days). Ask whoever invited you for a new one.',
  );
  const code = readCode(rawCode, CODE_RE, invalid);
  return db.transaction().execute(async (trx) => {
    const invite = await trx.selectFrom('influencer_invites').selectAll().where('code', '=', hashInvite(code)).forUpdate().executeTakeFirst();
    if (!invite || invite.used_at !== null || invite.expires_at.getTime() <= now.getTime()) throw invalid;
    if (invite.organisation_id !== identity.organisationId)
      throw new UserError('forbidden', 'That invite is for a storefront of another organisation: redeem it in the workspace or server it was issued for.');
    if (invite.for_user_id !== null && (invite.for_platform !== identity.platform || invite.for_user_id !== identity.userId))
      throw new UserError('forbidden', 'That invite was issued to someone else.');
    const influencer = await trx.selectFrom('influencers').select(['id', 'handle']).where('id', '=', invite.influencer_id).executeTakeFirstOrThrow();
    const me = await trx.selectFrom('platform_identities').select('influencer_id').where('id', '=', identity.id).forUpdate().executeTakeFirstOrThrow();
    if (me.influencer_id === influencer.id) return { influencerId: influencer.id, handle: influencer.handle, changed: false };
    if (me.influencer_id !== null) {
      const own = await trx.selectFrom('influencers').select('handle').where('id', '=', me.influencer_id).executeTakeFirst();
      throw new UserError('conflict', `This account already has its own storefront${own ? `, @${own.handle}` : ''}; an account owns one storefront.`);
    }
    await trx.updateTable('influencer_invites').set({ used_at: now, used_by_identity_id: identity.id }).where('code', '=', invite.code).execute();
    await trx.updateTable('platform_identities').set({ influencer_id: influencer.id }).where('id', '=', identity.id).execute();
    return { influencerId: influencer.id, handle: influencer.handle, changed: true };
  });
}
