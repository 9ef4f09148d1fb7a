// The operator hands a storefront made from the CLI to its real owner: an invite code they redeem from chat.
import { issueInvite } from '../domain/workspaces/invites.ts';
import { type CliCommand, str } from './context.ts';
import { handleOption } from './influencerOption.ts';

export const influencerInvite: CliCommand = {
  name: 'influencer invite',
  summary: 'Issue a one-time invite (7 days) for the real person to own a storefront from Slack or Discord',
  usage: 'influencer invite --handle <handle>',
  options: {
    ...handleOption,
  },
  async run(ctx, v) {
    const invite = await issueInvite(ctx.db, str(v.handle)!);
    return { handle: invite.influencer.handle, organisationId: invite.influencer.organisationId, code: invite.code, expiresAt: invite.expiresAt.toISOString() };
  },
  format: (r: { handle: string; organisationId: number; code: string; expiresAt: string }) =>
    [
      `Invite for @${r.handle}: ${r.code}`,
      `Valid once, until ${r.expiresAt.slice(0, 16).replace('T', ' ')} UTC; earlier invites for @${r.handle} no longer work.`,
      `The owner types /storefront join ${r.code} in Slack or Discord, in a workspace or server of organisation ${r.organisationId}.`,
    ].join('\n'),
};
