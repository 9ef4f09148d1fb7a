// Undoing a server link: a manager detaches THEIR workspace from an organisation that also has a workspace on
// the other platform. The workspace (and its members' identities) is re-pointed at a new, empty organisation
// named like one made on first contact; the organisation and all its data stay with the other workspace(s).
//
// What lives in the organisation but points INTO the leaving workspace, and what happens to it:
//  - digest subscriptions of its members: disabled (they would post the team's digest there) and, like on
//    link-server, they follow their members to the new organisation;
//  - autolink channels of the Discord server: cleared (the manager enabled them for the team's influencers);
//  - commission notifications of the organisation's influencers that land there (a chosen channel or DM, or
//    the default DM of the account that set the storefront up there): turned off and marked broken with the
//    reason, so the influencer sees it in /storefront show and picks a new destination;
//  - manager grants of its members: revoked (granted by the team; they would also make the new organisation
//    "have data" and refuse a later re-link);
//  - its workspace_links record: deleted (it records a link that no longer holds).
// Kept as they are: influencers, storefronts, links, ledger, feeds, digests' history, account links (personal,
// made with a code, they reach across organisations by design), identities' influencer pointers (no longer
// reachable from here; a re-link makes them work again) and server-link codes (a code made here stops working
// by the existing rule that a code speaks for its workspace's organisation only).
//
// One transaction: the workspace row is locked first, then its organisation, the same order link-server uses,
// so two unlinks of one organisation (or an unlink and a link) run one after the other.
import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database, Platform } from '../../db/schema.ts';
import { UserError } from '../../errors.ts';
import type { Identity } from './identities.ts';
import { otherPlatform, workspaceNoun } from './workspaceLinks.ts';
import { countRows } from '../common/countRows.ts';

type Trx = Transaction<Database>;

export interface WorkspaceRef {
  platform: Platform;
  workspaceId: string;
  name: string | null;
}

/** Rows of the organisation that would keep posting into the leaving workspace. */
export interface UnlinkStops {
  digestSubscriptions: number;
  autolinkChannels: number;
  notificationDestinations: number;
  managerGrants: number;
}

export interface UnlinkPlan {
  organisationId: number;
  organisationName: string;
  /** The workspaces that keep the organisation, other platform first. */
  remaining: WorkspaceRef[];
  /** The name the new organisation gets. */
  newOrganisationName: string;
  stops: UnlinkStops;
  /** Influencers whose storefront is used from here without an account link: they stop reaching it here. */
  storefrontsUsedHere: { count: number; handles: string[] };
}

export interface UnlinkResult extends UnlinkPlan {
  newOrganisationId: number;
}

/** "Slack workspace “Acme”", or its id when we never learnt its name. */
export function workspaceLabel(w: WorkspaceRef): string {
  return w.name ? `${workspaceNoun(w.platform)} “${w.name}”` : `${workspaceNoun(w.platform)} ${w.workspaceId}`;
}

// The same name organisationForWorkspace gives a workspace's organisation on first contact.
const freshOrganisationName = (w: WorkspaceRef) => w.name?.slice(0, 200) || `${w.platform} ${w.workspaceId}`;

async function workspaceRow(
  db: Db | Trx,
  platform: Platform,
  workspaceId: string,
  lock: boolean,
): Promise<{ organisationId: number; name: string | null; autolink: number } | undefined> {
  if (platform === 'slack') {
    const q = db.selectFrom('slack_workspaces').select(['organisation_id', 'name']).where('team_id', '=', workspaceId);
    const r = await (lock ? q.forUpdate() : q).executeTakeFirst();
    return r && { organisationId: r.organisation_id, name: r.name, autolink: 0 };
  }
  const q = db.selectFrom('discord_guilds').select(['organisation_id', 'name', 'gateway_channel_ids']).where('guild_id', '=', workspaceId);
  const r = await (lock ? q.forUpdate() : q).executeTakeFirst();
  return r && { organisationId: r.organisation_id, name: r.name, autolink: r.gateway_channel_ids.length };
}

async function organisationWorkspaces(db: Db | Trx, organisationId: number): Promise<WorkspaceRef[]> {
  const [slack, discord] = await Promise.all([
    db.selectFrom('slack_workspaces').select(['team_id', 'name']).where('organisation_id', '=', organisationId).orderBy('team_id').execute(),
    db.selectFrom('discord_guilds').select(['guild_id', 'name']).where('organisation_id', '=', organisationId).orderBy('guild_id').execute(),
  ]);
  return [
    ...slack.map((w) => ({ platform: 'slack' as const, workspaceId: w.team_id, name: w.name })),
    ...discord.map((w) => ({ platform: 'discord' as const, workspaceId: w.guild_id, name: w.name })),
  ];
}

const hereIdentities = (db: Db | Trx, p: Platform, w: string) =>
  db.selectFrom('platform_identities').select('id').where('platform', '=', p).where('workspace_id', '=', w);

/**
 * Influencers of the organisation whose commission notifications land in the workspace: mirrors
 * resolveDestination (an explicit destination, else a DM to the first account that has the storefront).
 */
const notifiedHere = (organisationId: number, p: Platform, w: string) => sql<{ id: number }>`
  SELECT i.id FROM influencers i
  LEFT JOIN notification_preferences np ON np.influencer_id = i.id
  WHERE i.organisation_id = ${organisationId}
    AND coalesce(np.destination, 'dm') <> 'off'
    AND CASE WHEN np.platform IS NOT NULL AND np.workspace_id IS NOT NULL AND np.user_id IS NOT NULL
      THEN np.platform = ${p} AND np.workspace_id = ${w}
      ELSE EXISTS (SELECT 1 FROM platform_identities pi
                   WHERE pi.id = (SELECT min(id) FROM platform_identities WHERE influencer_id = i.id)
                     AND pi.platform = ${p} AND pi.workspace_id = ${w})
    END`;

async function plan(db: Db | Trx, identity: Identity, lock: boolean): Promise<{ here: WorkspaceRef; plan: UnlinkPlan }> {
  const here = workspaceNoun(identity.platform);
  if (!identity.isManager) throw new UserError('forbidden', 'Only managers can unlink workspaces.');
  if (!identity.workspaceId)
    throw new UserError('invalid_input', 'Run /storefront unlink-server in the workspace or server that should leave, not in a direct message.');
  const { platform: p, workspaceId: w } = identity;
  // Locked: a concurrent unlink or link of this workspace waits, then sees where it points now.
  const row = await workspaceRow(db, p, w, lock);
  if (!row) throw new UserError('not_found', `This ${here} is not known yet; run any command here first.`);
  const orgId = row.organisationId;
  // Locked too: unlinks of the organisation's other workspaces wait, so it never loses its last one by a race.
  const orgQuery = db.selectFrom('organisations').select('name').where('id', '=', orgId);
  const org = await (lock ? orgQuery.forUpdate() : orgQuery).executeTakeFirstOrThrow();
  const others = (await organisationWorkspaces(db, orgId)).filter((o) => !(o.platform === p && o.workspaceId === w));
  const there = otherPlatform(p);
  if (!others.some((o) => o.platform === there)) {
    throw new UserError(
      'not_found',
      `This ${here} is not linked: its organisation, ${org.name}, has no ${workspaceNoun(there)}, so there is nothing to unlink. (/storefront link-server links one.)`,
    );
  }
  const [digests, grants, notified, usedHere] = await Promise.all([
    countRows(
      db
        .selectFrom('digest_subscriptions')
        .where('identity_id', 'in', hereIdentities(db, p, w))
        .where('enabled', '=', true),
    ),
    countRows(db.selectFrom('platform_identities').where('platform', '=', p).where('workspace_id', '=', w).where('role', '=', 'manager')),
    notifiedHere(orgId, p, w).execute(db),
    db
      .selectFrom('platform_identities as pi')
      .innerJoin('influencers as i', 'i.id', 'pi.influencer_id')
      .select('i.handle')
      .distinct()
      .where('pi.platform', '=', p)
      .where('pi.workspace_id', '=', w)
      .where('i.organisation_id', '=', orgId)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(selectFrom('account_links as al').select('al.identity_id').whereRef('al.identity_id', '=', 'pi.id').whereRef('al.influencer_id', '=', 'i.id')),
        ),
      )
      .orderBy('i.handle')
      .execute(),
  ]);
  const self = { platform: p, workspaceId: w, name: row.name };
  return {
    here: self,
    plan: {
      organisationId: orgId,
      organisationName: org.name,
      remaining: [...others.filter((o) => o.platform === there), ...others.filter((o) => o.platform !== there)],
      newOrganisationName: freshOrganisationName(self),
      stops: {
        digestSubscriptions: digests,
        autolinkChannels: row.autolink,
        notificationDestinations: notified.rows.length,
        managerGrants: grants,
      },
      storefrontsUsedHere: { count: usedHere.length, handles: usedHere.slice(0, 3).map((r) => r.handle) },
    },
  };
}

/** What an unlink of the caller's workspace would do; refuses exactly as the unlink would. Changes nothing. */
export async function previewUnlink(db: Db, identity: Identity): Promise<UnlinkPlan> {
  return (await plan(db, identity, false)).plan;
}

/** Detaches the caller's workspace from its linked organisation (see the header); refusals change nothing. */
export async function unlinkWorkspace(db: Db, identity: Identity, now = new Date()): Promise<UnlinkResult> {
  return db.transaction().execute(async (trx) => {
    const { here, plan: p } = await plan(trx, identity, true);
    const { platform, workspaceId } = here;
    const reason = `the ${workspaceLabel(here)} it went to was unlinked from ${p.organisationName}`.slice(0, 200);

    const created = await trx.insertInto('organisations').values({ name: p.newOrganisationName }).returning('id').executeTakeFirstOrThrow();
    const newOrg = created.id;

    // Digests of members here: stopped first (counting those that were on), then they follow their members.
    const stopped = await trx
      .updateTable('digest_subscriptions')
      .set({ enabled: false })
      .where('identity_id', 'in', hereIdentities(trx, platform, workspaceId))
      .where('enabled', '=', true)
      .executeTakeFirst();
    await trx
      .updateTable('digest_subscriptions')
      .set({ organisation_id: newOrg })
      .where('identity_id', 'in', hereIdentities(trx, platform, workspaceId))
      .execute();
    // Commission notifications landing here: off, with the reason the influencer reads in /storefront show.
    const silenced = await sql<{ influencer_id: number }>`
      INSERT INTO notification_preferences (influencer_id, destination, broken_at, broken_reason, updated_at)
      SELECT h.id, 'off', ${now}, ${reason}, ${now} FROM (${notifiedHere(p.organisationId, platform, workspaceId)}) h
      ON CONFLICT (influencer_id) DO UPDATE SET destination = 'off', broken_at = excluded.broken_at, broken_reason = excluded.broken_reason, updated_at = excluded.updated_at
      RETURNING influencer_id`.execute(trx);
    const revoked = await trx
      .updateTable('platform_identities')
      .set({ role: 'member', role_granted_by: null })
      .where('platform', '=', platform)
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'manager')
      .executeTakeFirst();
    await trx
      .updateTable('platform_identities')
      .set({ organisation_id: newOrg })
      .where('platform', '=', platform)
      .where('workspace_id', '=', workspaceId)
      .execute();
    // The pointer itself; a Discord server's autolink channels are cleared with it.
    if (platform === 'slack') await trx.updateTable('slack_workspaces').set({ organisation_id: newOrg }).where('team_id', '=', workspaceId).execute();
    else await trx.updateTable('discord_guilds').set({ organisation_id: newOrg, gateway_channel_ids: [] }).where('guild_id', '=', workspaceId).execute();
    await trx.deleteFrom('workspace_links').where('platform', '=', platform).where('workspace_id', '=', workspaceId).execute();

    return {
      ...p,
      newOrganisationId: newOrg,
      stops: {
        digestSubscriptions: Number(stopped.numUpdatedRows),
        autolinkChannels: p.stops.autolinkChannels,
        notificationDestinations: silenced.rows.length,
        managerGrants: Number(revoked.numUpdatedRows),
      },
    };
  });
}
