// Organisations as an operator sees them: their chat workspaces and how many influencers they hold.
import type { Db } from '../../db/database.ts';
import type { Platform } from '../../db/schema.ts';

export interface OrganisationWorkspace {
  platform: Platform;
  workspaceId: string;
  name: string | null;
  /** A Slack install that was revoked (the app was removed); Discord servers are never revoked here. */
  revoked: boolean;
}

export interface OrganisationListItem {
  id: number;
  name: string;
  workspaces: OrganisationWorkspace[];
  influencers: number;
  createdAt: Date;
}

/** Every organisation, oldest first. */
export async function listOrganisations(db: Db): Promise<OrganisationListItem[]> {
  const orgs = await db
    .selectFrom('organisations as o')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('influencers')
          .select((e) => ['organisation_id', e.fn.countAll<number>().as('n')])
          .groupBy('organisation_id')
          .as('i'),
      (join) => join.onRef('i.organisation_id', '=', 'o.id'),
    )
    .select(['o.id', 'o.name', 'o.created_at', 'i.n'])
    .orderBy('o.id')
    .execute();
  if (orgs.length === 0) return [];
  const slack = await db
    .selectFrom('slack_workspaces')
    .select(['organisation_id', 'team_id', 'name', 'revoked_at'])
    .orderBy('installed_at')
    .orderBy('team_id')
    .execute();
  const discord = await db.selectFrom('discord_guilds').select(['organisation_id', 'guild_id', 'name']).orderBy('created_at').orderBy('guild_id').execute();
  const byOrg = new Map<number, OrganisationWorkspace[]>();
  const add = (orgId: number, w: OrganisationWorkspace) => {
    const list = byOrg.get(orgId);
    if (list) list.push(w);
    else byOrg.set(orgId, [w]);
  };
  for (const s of slack) add(Number(s.organisation_id), { platform: 'slack', workspaceId: s.team_id, name: s.name, revoked: s.revoked_at !== null });
  for (const d of discord) add(Number(d.organisation_id), { platform: 'discord', workspaceId: d.guild_id, name: d.name, revoked: false });
  return orgs.map((o) => ({
    id: Number(o.id),
    name: o.name,
    workspaces: byOrg.get(Number(o.id)) ?? [],
    influencers: Number(o.n ?? 0),
    createdAt: o.created_at,
  }));
}
