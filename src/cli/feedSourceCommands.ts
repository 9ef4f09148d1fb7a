// CLI: report URLs polled on a cron schedule by the feed-poll worker.
import { CronExpressionParser } from 'cron-parser';
import { findMarketplace } from '../domain/amazon/marketplaces.ts';
import { addFeedSource, listFeedSources, type FeedSourceListing } from '../domain/feeds/feedSources.ts';
import { requireNetwork } from '../domain/ingest/networks.ts';
import { operatorOrganisation, parseOrganisationId } from '../domain/organisations/organisations.ts';
import { UserError } from '../errors.ts';
import { secretBoxFor } from '../secrets/secretBox.ts';
import { sealFeedHeaders } from '../secrets/storedSecrets.ts';
import { type CliCommand, str } from './context.ts';
import { tableOrNone } from './table.ts';

export const feedSourceAdd: CliCommand = {
  name: 'feed-source add',
  summary: 'Poll a report URL on a cron schedule (the workers pick it up on start)',
  usage:
    'feed-source add --name <name> --url <https://…> --cron "0 6 * * *" [--network amazon] [--marketplace US] [--header "Authorization: Bearer …"] [--org <id>]',
  options: {
    name: { type: 'string', description: 'a name for the source', required: true },
    url: { type: 'string', description: 'http(s) URL that returns a report file', required: true },
    cron: { type: 'string', description: 'cron pattern in UTC, e.g. "0 6 * * *"', required: true },
    network: { type: 'string', description: 'affiliate network (default amazon)' },
    marketplace: { type: 'string', description: 'marketplace of the reports' },
    header: { type: 'string', description: 'one request header, "Name: value"' },
    org: { type: 'string', description: 'organisation whose reports these are (default: the only or default organisation)', value: 'id' },
  },
  async run(ctx, v) {
    const url = str(v.url)!;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UserError('invalid_input', 'The URL is not valid.');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UserError('invalid_input', 'The URL must be http or https.');
    const cron = str(v.cron)!;
    try {
      CronExpressionParser.parse(cron);
    } catch {
      throw new UserError('invalid_input', `"${cron}" is not a cron pattern.`);
    }
    const network = requireNetwork(str(v.network) ?? 'amazon');
    const organisationId = await operatorOrganisation(ctx.db, str(v.org) === undefined ? undefined : parseOrganisationId(str(v.org)!));
    const market = str(v.marketplace) ? findMarketplace(str(v.marketplace)!) : undefined;
    if (str(v.marketplace) && !market) throw new UserError('invalid_input', 'Unknown marketplace.');
    const header = str(v.header);
    const m = header === undefined ? null : /^([A-Za-z0-9-]+):\s*(.+)$/.exec(header);
    if (header !== undefined && !m) throw new UserError('invalid_input', 'A header is written "Name: value".');
    const headers = m ? { [m[1]!]: m[2]! } : null;
    const row = await addFeedSource(ctx.db, {
      organisationId,
      network,
      name: str(v.name)!,
      url,
      cron,
      marketplace: market?.code ?? null,
      sealedHeaders: sealFeedHeaders(secretBoxFor(ctx.config), url, headers),
    });
    return row;
  },
  format: (r: { id: number; name: string; cron: string }) => `Feed source ${r.id} "${r.name}" will be polled on "${r.cron}" (UTC) once the workers (re)start.`,
};

export const feedSourceList: CliCommand = {
  name: 'feed-source list',
  summary: 'List polled report URLs and how their last poll went',
  usage: 'feed-source list',
  options: {},
  run: (ctx) => listFeedSources(ctx.db),
  format: (rows: FeedSourceListing[]) =>
    tableOrNone(rows, 'No feed sources.', ['ID', 'ORG', 'NAME', 'NETWORK', 'SCHEDULE (UTC)', 'ON', 'LAST OK', 'LAST ERROR'], (r) => [
      String(r.id),
      String(r.organisationId),
      r.name,
      r.network,
      r.cron,
      r.enabled ? 'on' : 'off',
      r.lastSuccessAt?.toISOString() ?? 'never',
      r.lastError ?? '-',
    ]),
};
