// List commands: organisations, influencers, one influencer's links. --json prints an array of plain objects.
import { listInfluencers } from '../domain/organisations/influencerList.ts';
import { listLinksOfInfluencer, type LinkListItem } from '../domain/links/linkList.ts';
import { shortUrl } from '../domain/links/links.ts';
import { listOrganisations, type OrganisationWorkspace } from '../domain/organisations/organisationList.ts';
import { operatorOrganisation, parseOrganisationId } from '../domain/organisations/organisations.ts';
import { type CliCommand, str } from './context.ts';
import { handleOption, influencerOf, storefrontUrl } from './influencerOption.ts';
import { cut, day, tableOrNone } from './table.ts';

const workspaceLabel = (w: OrganisationWorkspace) => `${w.platform} ${w.workspaceId}${w.name ? ` "${w.name}"` : ''}${w.revoked ? ' (uninstalled)' : ''}`;

export const orgList: CliCommand = {
  name: 'org list',
  summary: 'List organisations with their Slack/Discord workspaces and number of influencers',
  usage: 'org list',
  options: {},
  run: (ctx) => listOrganisations(ctx.db),
  format: (rows: Awaited<ReturnType<typeof listOrganisations>>) =>
    tableOrNone(rows, 'No organisations.', ['ID', 'NAME', 'INFLUENCERS', 'WORKSPACES'], (o) => [
      String(o.id),
      o.name,
      String(o.influencers),
      o.workspaces.map(workspaceLabel).join(', ') || '-',
    ]),
};

type ListedInfluencer = Awaited<ReturnType<typeof listInfluencers>>[number] & { storefrontUrl: string };

export const influencerList: CliCommand = {
  name: 'influencer list',
  summary: 'List influencers with their tracking IDs and storefront URLs',
  usage: 'influencer list [--org <id>]',
  options: {
    org: { type: 'string', description: 'only the influencers of this organisation', value: 'id' },
  },
  async run(ctx, v): Promise<ListedInfluencer[]> {
    const org = str(v.org);
    const organisationId = org === undefined ? undefined : await operatorOrganisation(ctx.db, parseOrganisationId(org));
    const rows = await listInfluencers(ctx.db, { organisationId });
    return rows.map(({ createdAt, ...r }) => ({ ...r, storefrontUrl: storefrontUrl(ctx, r.handle), createdAt }));
  },
  format: (rows: ListedInfluencer[]) =>
    tableOrNone(rows, 'No influencers.', ['ID', 'HANDLE', 'NAME', 'ORG', 'TRACKING IDS', 'STOREFRONT', 'CREATED'], (r) => [
      String(r.id),
      `@${r.handle}`,
      r.displayName,
      String(r.organisationId),
      r.trackingIds
        .map((t) => `${t.trackingId} (${t.marketplace}${t.default ? ', default' : ''}${t.pending ? ', waiting for verification' : ''})`)
        .join(', ') || '-',
      r.storefrontUrl,
      day(r.createdAt),
    ]),
};

/** A link as listed: the domain's, with its short URL. */
interface ListedLink extends Omit<LinkListItem, 'id'> {
  shortUrl: string;
}

export const linkList: CliCommand = {
  name: 'link list',
  summary: "List an influencer's short links with their clicks, newest first",
  usage: 'link list --handle <handle>',
  options: {
    ...handleOption,
  },
  async run(ctx, v): Promise<ListedLink[]> {
    const influencer = await influencerOf(ctx, v);
    const links = await listLinksOfInfluencer(ctx.db, influencer.id);
    return links.map((l) => ({
      code: l.code,
      shortUrl: shortUrl(ctx.config.PUBLIC_BASE_URL, l.code),
      asin: l.asin,
      marketplace: l.marketplace,
      campaign: l.campaign,
      productTitle: l.productTitle,
      clicks: l.clicks,
      createdAt: l.createdAt,
      disabled: l.disabled,
    }));
  },
  format: (rows: ListedLink[]) =>
    tableOrNone(rows, 'No links yet.', ['CODE', 'SHORT URL', 'ASIN', 'STORE', 'CAMPAIGN', 'CLICKS', 'CREATED', 'PRODUCT'], (l) => [
      l.code,
      l.shortUrl,
      l.asin,
      l.marketplace,
      l.campaign || '-',
      String(l.clicks),
      day(l.createdAt),
      `${l.productTitle ? cut(l.productTitle, 60) : '-'}${l.disabled ? ' (disabled)' : ''}`,
    ]),
};
