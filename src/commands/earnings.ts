// /earnings: confirmed, pending and reversed commission with top products and links. Always private.
import { UserError } from '../errors.ts';
import { PERIOD_USAGE, parsePeriod } from '../domain/earnings/period.ts';
import { earningsSummary, type EarningsScope } from '../domain/earnings/summary.ts';
import { shortUrl } from '../domain/links.ts';
import { formatMoney } from '../domain/money.ts';
import { countPendingClaims, pendingTrackingIds } from '../domain/trackingIdClaims.ts';
import { marketLabel } from './claims.ts';
import { ownInfluencer } from './context.ts';
import { totalsFields } from './moneyLines.ts';
import type { CommandDef, Reply } from './types.ts';

/** Tracking IDs listed on the card; a team may have hundreds (the CLI lists them all). */
const BY_TRACKING_ID_LINES = 10;

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
    let waiting: Array<{ tracking_id: string; marketplace: string }> = [];
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
    const s = await earningsSummary(ctx.db, scope, period);
    const clicksLine = `${s.clicks.click} clicks · ${s.clicks.repeat} repeat · ${s.clicks.preview} previews · ${s.clicks.bot} bots`;
    const reply: Reply = { visibility: 'ephemeral', title: `Earnings · ${period.label}`, fields: [], sections: [] };
    if (!s.hasAnyEntries) {
      reply.text = `No earnings have been ingested for ${who} yet. Figures appear here once an Amazon Associates report has been loaded.`;
    } else if (s.totals.length === 0) {
      reply.text = `${who}: no commission in this period.`;
    } else {
      reply.text = who;
      for (const t of s.totals) reply.fields!.push(...totalsFields(t, s.totals.length > 1));
    }
    reply.fields!.push({ label: 'Clicks', value: clicksLine });
    if (s.topProducts.length) {
      reply.sections!.push({
        title: 'Top products',
        lines: s.topProducts.map((p) => ({ text: p.name ?? p.asin, detail: `${formatMoney(p.amount, p.currency)} · ${p.items} item${p.items === 1 ? '' : 's'}` })),
      });
    }
    if (s.linkEarnings.length) {
      reply.sections!.push({
        title: 'Commission by link',
        lines: s.linkEarnings.map((l) => ({
          text: `${l.title ?? l.asin ?? (l.code ? `/l/${l.code}` : 'A removed link')}${l.campaign ? ` · ${l.campaign}` : ''}`,
          ...(l.code ? { url: shortUrl(ctx.config.PUBLIC_BASE_URL, l.code) } : {}),
          detail: `${formatMoney(l.amount, l.currency)} · ${l.items} item${l.items === 1 ? '' : 's'}`,
        })),
      });
    }
    // An influencer with one tracking ID per store (or a team) sees where the money came from.
    if (s.byTrackingId.length > 1) {
      const shown = [...s.byTrackingId].sort((a, b) => b.net - a.net || (a.trackingId < b.trackingId ? -1 : 1)).slice(0, BY_TRACKING_ID_LINES);
      reply.sections!.push({
        title: 'By tracking ID',
        lines: shown.map((t) => ({ text: t.trackingId, detail: `net ${formatMoney(t.net, t.currency)} · pending ${formatMoney(t.pending, t.currency)}` })),
        ...(s.byTrackingId.length > shown.length ? { more: s.byTrackingId.length - shown.length } : {}),
      });
    }
    if (s.topLinks.length) {
      reply.sections!.push({
        title: 'Most-clicked links',
        lines: s.topLinks.map((l) => ({ text: l.title ?? l.asin, url: shortUrl(ctx.config.PUBLIC_BASE_URL, l.code), detail: `${l.clicks} click${l.clicks === 1 ? '' : 's'}${l.campaign ? ` · ${l.campaign}` : ''}` })),
      });
    }
    if (waiting.length) {
      reply.sections!.push({
        title: 'Waiting for verification',
        lines: waiting.map((t) => ({ text: `${t.tracking_id} (${marketLabel(t.marketplace)})`, detail: 'no figures until it is verified (see /storefront show)' })),
      });
    }
    reply.footer = `Times in ${period.timezone}. Pending is estimated from orders; it becomes confirmed when Amazon reports the shipment.`;
    if (wantsTeam) {
      const claims = await countPendingClaims(ctx.db, ctx.identity.organisationId);
      if (claims) reply.footer += ` ${claims} tracking ID claim${claims === 1 ? '' : 's'} wait${claims === 1 ? 's' : ''} for a decision: /storefront claims.`;
    }
    return reply;
  },
};
