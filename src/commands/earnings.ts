// /earnings: confirmed, pending and reversed commission with top products and links. Always private.
import { earningsCard } from '../cards/earnings.ts';
import { UserError } from '../errors.ts';
import { PERIOD_USAGE, parsePeriod } from '../domain/earnings/period.ts';
import { earningsSummary, type EarningsScope } from '../domain/earnings/summary.ts';
import { countPendingClaims, pendingTrackingIds } from '../domain/workspaces/trackingIdClaims.ts';
import { ownInfluencer } from './context.ts';
import type { CommandDef } from './types.ts';

export const earningsCommand: CommandDef = {
  name: 'earnings',
  description: 'Your commission: confirmed, pending and reversed, by product and by link',
  options: [
    { name: 'period', type: 'string', description: PERIOD_USAGE, maxLength: 40 },
    { name: 'scope', type: 'string', choices: ['me', 'team'], description: 'me (your storefront) or team (the whole organisation, managers only)' },
  ],
  async execute(args, ctx) {
    const wantsTeam = args.scope === 'team' || (args.scope === undefined && !ctx.identity.influencerId && ctx.identity.isManager);
    if (wantsTeam && !ctx.identity.isManager) throw new UserError('forbidden', 'Only managers can see the whole team’s earnings.');
    let scope: EarningsScope;
    let who: string;
    // Tracking IDs of the caller that wait for verification: named, with no figure (none of their lines is theirs yet).
    let waiting: Array<{ trackingId: string; marketplace: string }> = [];
    if (wantsTeam) {
      scope = { organisationId: ctx.identity.organisationId };
      who = 'Your team';
    } else {
      const me = await ownInfluencer(ctx);
      scope = { influencerId: me.id };
      who = `@${me.handle}`;
      waiting = await pendingTrackingIds(ctx.db, me.id);
    }
    const period = parsePeriod(args.period as string | undefined, ctx.identity.timezone ?? 'UTC', ctx.now?.());
    const s = await earningsSummary(ctx.readDb ?? ctx.db, scope, period);
    return earningsCard({
      who,
      period,
      summary: s,
      publicBaseUrl: ctx.config.PUBLIC_BASE_URL,
      waiting,
      ...(wantsTeam ? { pendingClaims: await countPendingClaims(ctx.db, ctx.identity.organisationId) } : {}),
    });
  },
};
