// One team, a Slack workspace and a Discord server: each workspace starts as its own organisation, so a manager
// of the organisation that has the team asks for a one-time code and a manager of the workspace on the other
// platform types it there; that workspace is then re-pointed at the issuing organisation (its members resolve
// to it: roster, roles, team earnings, digests). Same habits as account links: codes are short, stored hashed,
// single-use, expire after ten minutes, and only the latest code of a manager is live.
//
// Rules:
//  - a Slack code binds a Discord server and a Discord code a Slack workspace, never the same platform;
//  - only a workspace whose organisation has no data of its own (influencers, storefronts, enabled digest
//    subscriptions, feed sources, report ingests, feed tokens, granted managers) moves: merging organisations is not
//    supported;
//  - a workspace already in the code's organisation is "already linked" (the code is spent, nothing changes);
//  - any refusal changes nothing and leaves the code usable, except a wrong, spent or expired one;
//  - the organisation left behind is deleted when no workspace belongs to it any more (it has no data).
import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database, Platform } from '../../db/schema.ts';
import { UserError } from '../../errors.ts';
import type { Identity } from './identities.ts';
import { codePattern, generateCode, hashCode } from '../common/oneTimeCodes.ts';
import { redeemWithLinkCode, replaceLinkCode } from './linkCodes.ts';
import { countRows } from '../common/countRows.ts';

export const SERVER_LINK_CODE_LENGTH = 10;
export const SERVER_LINK_CODE_TTL_MS = 10 * 60_000;
// 31^10 ≈ 8e14 codes.
const CODE_RE = codePattern(SERVER_LINK_CODE_LENGTH);

type Trx = Transaction<Database>;

export interface IssuedServerLinkCode {
  code: string;
  expiresAt: Date;
  organisationName: string;
}

export interface ServerLinkResult {
  /** False when the workspace already belonged to the code's organisation. */
  changed: boolean;
  organisationId: number;
  organisationName: string;
  /** The platform of the workspace the code came from. */
  fromPlatform: Platform;
  /** The organisation this workspace left, deleted because nothing belonged to it any more. */
  previousOrganisationRemoved: boolean;
}

/** What an organisation has of its own; any of it stops its workspaces from moving to another organisation. */
export interface OrganisationData {
  influencers: number;
  /** A few of the influencers' handles, to name them in the refusal. */
  handles: string[];
  storefronts: number;
  digestSubscriptions: number;
  feedSources: number;
  /** Reports ingested for it (its money), and feed tokens that upload for it. */
  ingests: number;
  feedTokens: number;
  grantedManagers: number;
}

export const platformLabel = (p: Platform) => (p === 'slack' ? 'Slack' : 'Discord');
export const workspaceNoun = (p: Platform) => (p === 'slack' ? 'Slack workspace' : 'Discord server');
export const otherPlatform = (p: Platform): Platform => (p === 'slack' ? 'discord' : 'slack');

const hashServerLinkCode = (code: string) => hashCode('workspace-link', code);

async function workspaceOrganisation(db: Db | Trx, platform: Platform, workspaceId: string, lock = false): Promise<number | undefined> {
  if (platform === 'slack') {
    const q = db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', workspaceId);
    return (await (lock ? q.forUpdate() : q).executeTakeFirst())?.organisation_id;
  }
  const q = db.selectFrom('discord_guilds').select('organisation_id').where('guild_id', '=', workspaceId);
  return (await (lock ? q.forUpdate() : q).executeTakeFirst())?.organisation_id;
}

export async function organisationData(db: Db | Trx, organisationId: number): Promise<OrganisationData> {
  const [influencers, handles, storefronts, digestSubscriptions, feedSources, ingests, feedTokens, grantedManagers] = await Promise.all([
    countRows(db.selectFrom('influencers').where('organisation_id', '=', organisationId)),
    db.selectFrom('influencers').select('handle').where('organisation_id', '=', organisationId).orderBy('handle').limit(3).execute(),
    countRows(db.selectFrom('storefronts as s').innerJoin('influencers as i', 'i.id', 's.influencer_id').where('i.organisation_id', '=', organisationId)),
    countRows(db.selectFrom('digest_subscriptions').where('organisation_id', '=', organisationId).where('enabled', '=', true)),
    countRows(db.selectFrom('feed_sources').where('organisation_id', '=', organisationId)),
    countRows(db.selectFrom('feed_ingests').where('organisation_id', '=', organisationId)),
    countRows(db.selectFrom('feed_tokens').where('organisation_id', '=', organisationId).where('revoked_at', 'is', null)),
    countRows(db.selectFrom('platform_identities').where('organisation_id', '=', organisationId).where('role', '=', 'manager')),
  ]);
  return {
    influencers,
    handles: handles.map((h) => h.handle),
    storefronts,
    digestSubscriptions,
    feedSources,
    ingests,
    feedTokens,
    grantedManagers,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "2 influencers (@a, @b)", "1 feed source", …: what a person would recognise. Empty when there is nothing. */
export function describeOrganisationData(d: OrganisationData): string[] {
  const parts: string[] = [];
  if (d.influencers) {
    const named = d.handles.map((h) => `@${h}`).join(', ') + (d.influencers > d.handles.length ? ', …' : '');
    parts.push(`${plural(d.influencers, 'influencer')} (${named})`);
  }
  if (d.storefronts) parts.push(plural(d.storefronts, 'storefront'));
  if (d.digestSubscriptions) parts.push(plural(d.digestSubscriptions, 'daily digest subscription'));
  if (d.feedSources) parts.push(plural(d.feedSources, 'feed source'));
  if (d.ingests) parts.push(plural(d.ingests, 'ingested report'));
  if (d.feedTokens) parts.push(plural(d.feedTokens, 'feed token'));
  if (d.grantedManagers) parts.push(plural(d.grantedManagers, 'granted manager'));
  return parts;
}

/**
 * A fresh code that binds a workspace of the other platform to the issuer's organisation. Managers only.
 * Earlier unused codes of the same manager stop working, so only the latest code shown is live.
 */
export async function issueServerLinkCode(db: Db, issuer: Identity, now = new Date()): Promise<IssuedServerLinkCode> {
  if (!issuer.isManager) throw new UserError('forbidden', 'Only managers can link workspaces.');
  if (!issuer.workspaceId) throw new UserError('invalid_input', 'Run /storefront link-server in a workspace or server, not in a direct message.');
  const code = generateCode(SERVER_LINK_CODE_LENGTH);
  const expiresAt = new Date(now.getTime() + SERVER_LINK_CODE_TTL_MS);
  const org = await db.selectFrom('organisations').select('name').where('id', '=', issuer.organisationId).executeTakeFirstOrThrow();
  await replaceLinkCode(db, 'workspace_link_codes', issuer.id, {
    hash: hashServerLinkCode(code),
    expiresAt,
    extra: { organisation_id: issuer.organisationId },
  });
  return { code, expiresAt, organisationName: org.name };
}

/**
 * Re-points the redeemer's workspace at the organisation of the code. The code is spent in the same transaction,
 * so it works once; every refusal rolls that back and changes nothing.
 */
export async function redeemServerLinkCode(db: Db, redeemer: Identity, rawCode: string, now = new Date()): Promise<ServerLinkResult> {
  const here = workspaceNoun(redeemer.platform);
  if (!redeemer.isManager) throw new UserError('forbidden', 'Only managers can link workspaces.');
  if (!redeemer.workspaceId) throw new UserError('invalid_input', 'Type the code in the workspace or server that should join, not in a direct message.');
  const wrong = new UserError(
    'not_found',
    'That server-link code is not valid: it may be mistyped, used already or expired (codes last 10 minutes). Ask a manager of the workspace you want to join to run /storefront link-server there for a new one.',
  );
  const code = { raw: rawCode, pattern: CODE_RE, hash: hashServerLinkCode, wrong, now };
  return redeemWithLinkCode(db, 'workspace_link_codes', code, async (trx, spent) => {
    const target = spent.organisation_id;
    const issuer = await trx
      .selectFrom('platform_identities')
      .select(['id', 'platform', 'workspace_id'])
      .where('id', '=', spent.identity_id)
      .executeTakeFirstOrThrow();
    // A code speaks for its workspace's organisation only while that workspace still belongs to it.
    if ((await workspaceOrganisation(trx, issuer.platform, issuer.workspace_id)) !== target) throw wrong;
    const org = await trx.selectFrom('organisations').select('name').where('id', '=', target).executeTakeFirstOrThrow();
    const result = { organisationId: target, organisationName: org.name, fromPlatform: issuer.platform };

    // Throwing below rolls the spending back: the code stays usable in the right place.
    if (issuer.platform === redeemer.platform && issuer.workspace_id === redeemer.workspaceId) {
      throw new UserError(
        'invalid_input',
        `This code was made in this ${here}. Type it in the ${workspaceNoun(otherPlatform(issuer.platform))} that should join this organisation.`,
      );
    }
    // The workspace row, locked: two codes typed at once in one workspace move it once.
    const current = await workspaceOrganisation(trx, redeemer.platform, redeemer.workspaceId, true);
    if (current === undefined) throw new UserError('not_found', `This ${here} is not known yet; run any command here first.`);
    if (current === target) return { ...result, changed: false, previousOrganisationRemoved: false };
    if (issuer.platform === redeemer.platform) {
      throw new UserError(
        'invalid_input',
        `That code comes from a ${workspaceNoun(issuer.platform)}, so it links a ${workspaceNoun(otherPlatform(issuer.platform))}: type it there. Two ${platformLabel(issuer.platform)} ${issuer.platform === 'slack' ? 'workspaces' : 'servers'} cannot be linked to each other.`,
      );
    }

    // The organisation this workspace leaves, locked against new influencers, feeds or grants while it is checked
    // (inserts referencing it wait for this transaction, and fail if it is removed).
    await trx.selectFrom('organisations').select('id').where('id', '=', current).forUpdate().executeTakeFirst();
    const own = describeOrganisationData(await organisationData(trx, current));
    if (own.length) {
      throw new UserError(
        'conflict',
        `This ${here} already has data of its own: ${own.join(', ')}. Merging organisations is not supported, so it cannot join another one; nothing changed. ` +
          `If the other ${workspaceNoun(issuer.platform)} is the one without data, link the other way round: run /storefront link-server here and type that code there.`,
      );
    }

    if (redeemer.platform === 'slack')
      await trx.updateTable('slack_workspaces').set({ organisation_id: target }).where('team_id', '=', redeemer.workspaceId).execute();
    else await trx.updateTable('discord_guilds').set({ organisation_id: target }).where('guild_id', '=', redeemer.workspaceId).execute();
    const moved = trx.selectFrom('platform_identities').select('id').where('platform', '=', redeemer.platform).where('workspace_id', '=', redeemer.workspaceId);
    // Stopped digest subscriptions of the moved members follow them (enabled ones would have refused the move).
    await trx.updateTable('digest_subscriptions').set({ organisation_id: target }).where('identity_id', 'in', moved).execute();
    // Codes this workspace's managers made for the organisation it left would now bind other workspaces to it.
    await trx.deleteFrom('workspace_link_codes').where('identity_id', 'in', moved).where('used_at', 'is', null).execute();
    await trx
      .updateTable('platform_identities')
      .set({ organisation_id: target })
      .where('platform', '=', redeemer.platform)
      .where('workspace_id', '=', redeemer.workspaceId)
      .execute();
    await trx
      .insertInto('workspace_links')
      .values({
        platform: redeemer.platform,
        workspace_id: redeemer.workspaceId,
        organisation_id: target,
        previous_organisation_id: current,
        linked_by_identity_id: redeemer.id,
        issued_by_identity_id: issuer.id,
        linked_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['platform', 'workspace_id']).doUpdateSet({
          organisation_id: target,
          previous_organisation_id: current,
          linked_by_identity_id: redeemer.id,
          issued_by_identity_id: issuer.id,
          linked_at: now,
        }),
      )
      .execute();
    const previousOrganisationRemoved = await removeIfAbandoned(trx, current);
    return { ...result, changed: true, previousOrganisationRemoved };
  });
}

/** Deletes an organisation that no workspace and no identity belongs to any more (and that has no data). */
async function removeIfAbandoned(trx: Trx, organisationId: number): Promise<boolean> {
  const r = await sql<{ id: number }>`
    DELETE FROM organisations o WHERE o.id = ${organisationId}
      AND NOT EXISTS (SELECT 1 FROM slack_workspaces WHERE organisation_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM discord_guilds WHERE organisation_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM platform_identities WHERE organisation_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM influencers WHERE organisation_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM feed_sources WHERE organisation_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM digest_subscriptions WHERE organisation_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM feed_ingests WHERE organisation_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM feed_tokens WHERE organisation_id = o.id AND revoked_at IS NULL)
      AND NOT o.operator_default
    RETURNING o.id`.execute(trx);
  return r.rows.length > 0;
}
