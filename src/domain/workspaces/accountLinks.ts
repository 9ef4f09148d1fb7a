// One person, two chat accounts (say Slack and Discord): the account that has the storefront issues a
// one-time code, the other account redeems it and is attached to the same influencer, so both see one
// storefront and one ledger. Codes are short, single-use, expire after ten minutes and are stored hashed.
import type { Db } from '../../db/database.ts';
import type { Platform } from '../../db/schema.ts';
import { UserError } from '../../errors.ts';
import { codePattern, generateCode, hashCode } from '../common/oneTimeCodes.ts';
import { redeemWithLinkCode, replaceLinkCode } from './linkCodes.ts';
import { toInfluencer, type Influencer } from '../organisations/types.ts';

/**
 * Whether an identity may act as an influencer of another organisation: only after redeeming a code issued
 * by an account of that influencer. An identity row's influencer_id alone never reaches across organisations.
 */
export async function isLinkedTo(db: Db, identityId: number, influencerId: number): Promise<boolean> {
  const row = await db
    .selectFrom('account_links')
    .select('identity_id')
    .where('identity_id', '=', identityId)
    .where('influencer_id', '=', influencerId)
    .executeTakeFirst();
  return row !== undefined;
}

export const LINK_CODE_LENGTH = 8;
export const LINK_CODE_TTL_MS = 10 * 60_000;
// 31^8 ≈ 8.5e11 codes.
const CODE_RE = codePattern(LINK_CODE_LENGTH);

export interface IssuedLinkCode {
  code: string;
  expiresAt: Date;
}

export interface RedeemedLink {
  influencerId: number;
  /** The platform of the account that issued the code. */
  fromPlatform: Platform;
  /** False when this account was already attached to that storefront (nothing changed). */
  changed: boolean;
}

const hashLinkCode = (code: string) => hashCode('account-link', code);

/**
 * A fresh code for an identity that has a storefront. Earlier unused codes of that identity stop working,
 * so only the latest code shown is live.
 */
export async function issueLinkCode(db: Db, identityId: number, now = new Date()): Promise<IssuedLinkCode> {
  const owner = await db.selectFrom('platform_identities').select('influencer_id').where('id', '=', identityId).executeTakeFirst();
  if (!owner?.influencer_id)
    throw new UserError('not_found', 'You have no storefront yet, so there is nothing to link. Start with /storefront setup <handle> <tracking-id>.');
  const code = generateCode(LINK_CODE_LENGTH);
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await replaceLinkCode(db, 'account_link_codes', identityId, { hash: hashLinkCode(code), expiresAt });
  return { code, expiresAt };
}

/**
 * Attaches `redeemerIdentityId` to the influencer of the identity that issued `rawCode`. The code is spent
 * in the same transaction, so it works once; a wrong, spent or expired code changes nothing.
 */
export async function redeemLinkCode(db: Db, redeemerIdentityId: number, rawCode: string, now = new Date()): Promise<RedeemedLink> {
  const wrong = new UserError(
    'not_found',
    'That code is not valid: it may be mistyped, used already or expired (codes last 10 minutes). Run /storefront link-account on the account that has your storefront for a new one.',
  );
  const code = { raw: rawCode, pattern: CODE_RE, hash: hashLinkCode, wrong, now };
  return redeemWithLinkCode(db, 'account_link_codes', code, async (trx, spent) => {
    const issuer = await trx
      .selectFrom('platform_identities')
      .select(['id', 'platform', 'influencer_id', 'timezone'])
      .where('id', '=', spent.identity_id)
      .executeTakeFirstOrThrow();
    const redeemer = await trx
      .selectFrom('platform_identities')
      .select(['id', 'influencer_id', 'timezone'])
      .where('id', '=', redeemerIdentityId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    // Throwing below rolls the spending back: the code stays usable for the right account.
    if (issuer.id === redeemer.id)
      throw new UserError('invalid_input', 'Type the code on your other account (the one without the storefront), not on this one.');
    const influencerId = issuer.influencer_id;
    if (!influencerId) throw wrong;
    if (redeemer.influencer_id === influencerId) return { influencerId, fromPlatform: issuer.platform, changed: false };
    if (redeemer.influencer_id) {
      const own = await trx.selectFrom('influencers').select('handle').where('id', '=', redeemer.influencer_id).executeTakeFirst();
      throw new UserError('conflict', `This account already has its own storefront${own ? `, @${own.handle}` : ''}; it cannot be linked to another one.`);
    }
    await trx
      .updateTable('platform_identities')
      // The other account's time zone carries over when this platform does not tell us one (Discord never does).
      .set({ influencer_id: influencerId, timezone: redeemer.timezone ?? issuer.timezone })
      .where('id', '=', redeemer.id)
      .execute();
    await trx
      .insertInto('account_links')
      .values({ identity_id: redeemer.id, influencer_id: influencerId, issued_by_identity_id: issuer.id })
      .onConflict((oc) => oc.column('identity_id').doUpdateSet({ influencer_id: influencerId, issued_by_identity_id: issuer.id }))
      .execute();
    return { influencerId, fromPlatform: issuer.platform, changed: true };
  });
}

/**
 * The influencer an identity acts as: its own organisation's, or another organisation's only when this
 * identity redeemed a link code for it. Every entry point (commands, App Home, DMs) asks this one question.
 */
export async function reachableInfluencer(
  db: Db,
  identity: { id: number; organisationId: number; influencerId: number | null },
): Promise<Influencer | undefined> {
  if (!identity.influencerId) return undefined;
  const influencer = await db.selectFrom('influencers').selectAll().where('id', '=', identity.influencerId).executeTakeFirst();
  if (!influencer) return undefined;
  if (influencer.organisation_id === identity.organisationId || (await isLinkedTo(db, identity.id, influencer.id))) return toInfluencer(influencer);
  return undefined;
}
