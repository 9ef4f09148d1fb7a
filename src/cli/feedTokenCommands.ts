// CLI: the operator's side of feed tokens (managers have /storefront feed-token): create one for an organisation,
// list them, revoke one.
import { createFeedToken, listFeedTokens, revokeFeedToken, type FeedTokenInfo } from '../domain/feeds/feedTokens.ts';
import { operatorOrganisation, parseOrganisationId } from '../domain/organisations/organisations.ts';
import { type CliCommand, type CliContext, str } from './context.ts';
import { day, tableOrNone } from './table.ts';

const orgOption = { org: { type: 'string', description: 'the organisation (default: the only or default organisation)', value: 'id' } } as const;
const organisationOf = (ctx: CliContext, v: Record<string, string | boolean | undefined>) =>
  operatorOrganisation(ctx.db, str(v.org) === undefined ? undefined : parseOrganisationId(str(v.org)!));

export const feedTokenCreate: CliCommand = {
  name: 'feed-token create',
  summary: 'Create a feeds API token that uploads reports for one organisation (shown once)',
  usage: 'feed-token create --name <name> [--org <id>]',
  options: { name: { type: 'string', description: 'what the token is for, e.g. "US account script"', required: true }, ...orgOption },
  async run(ctx, v) {
    const organisationId = await organisationOf(ctx, v);
    const created = await createFeedToken(ctx.db, { organisationId, name: str(v.name)! });
    return { organisationId, ...created };
  },
  format: (t: FeedTokenInfo & { token: string; organisationId: number }) =>
    [
      `Feed token #${t.id} "${t.name}" for organisation ${t.organisationId}:`,
      '',
      `  ${t.token}`,
      '',
      'Copy it now: it is not shown again (only its fingerprint is kept).',
    ].join('\n'),
};

export const feedTokenList: CliCommand = {
  name: 'feed-token list',
  summary: "List an organisation's feed tokens (never the tokens themselves)",
  usage: 'feed-token list [--org <id>] [--all]',
  options: { ...orgOption, all: { type: 'boolean', description: 'revoked ones too' } },
  run: async (ctx, v) => listFeedTokens(ctx.db, await organisationOf(ctx, v), { includeRevoked: v.all === true }),
  format: (rows: FeedTokenInfo[]) =>
    tableOrNone(rows, 'No feed tokens.', ['ID', 'NAME', 'ENDS IN', 'CREATED', 'LAST USED', 'REVOKED'], (t) => [
      String(t.id),
      t.name,
      `…${t.hint}`,
      day(t.createdAt),
      t.lastUsedAt ? day(t.lastUsedAt) : 'never',
      t.revokedAt ? day(t.revokedAt) : '-',
    ]),
};

export const feedTokenRevoke: CliCommand = {
  name: 'feed-token revoke',
  summary: 'Revoke a feed token: uploads and reads with it are refused from then on',
  usage: 'feed-token revoke <id or last 4 characters> [--org <id>]',
  args: [{ syntax: '<token>', description: 'the token number (feed-token list) or its last 4 characters' }],
  options: { ...orgOption },
  run: async (ctx, v, positionals) => revokeFeedToken(ctx.db, { organisationId: await organisationOf(ctx, v), which: positionals[0]! }),
  format: (t: FeedTokenInfo) => `Feed token #${t.id} "${t.name}" (…${t.hint}) is revoked.`,
};
