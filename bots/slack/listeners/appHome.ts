// App Home: the person's storefront URL and the last 7 days of earnings, published afresh on every open.
import type { App } from '@slack/bolt';
import { totalsFields } from '../../../src/commands/moneyLines.ts';
import type { Reply, ReplyLine } from '../../../src/reply.ts';
import { storefrontCommand } from '../../../src/commands/storefront.ts';
import { usageLine } from '../../../src/commands/usage.ts';
import { parsePeriod } from '../../../src/domain/earnings/period.ts';
import { earningsSummary } from '../../../src/domain/earnings/summary.ts';
import type { Identity } from '../../../src/domain/identities.ts';
import { reachableInfluencer } from '../../../src/domain/accountLinks.ts';
import { formatMoney } from '../../../src/domain/money.ts';
import type { SlackDeps } from '../deps.ts';
import { slackIdentity } from '../identity.ts';
import { MAX_BLOCKS_PER_VIEW, renderReply } from '../render.ts';

// Usage and description from the command definitions, so the Home tab never drifts from /storefront help.
const WORKSPACE_LINK_LINES: ReplyLine[] = storefrontCommand
  .subcommands!.filter((s) => s.name === 'link-server' || s.name === 'unlink-server')
  .map((s) => ({ text: usageLine(storefrontCommand, s), detail: s.description }));

/** What only managers can do from here: the team's figures, and sharing the team with Discord (or undoing it). */
const managerSection = () => ({
  title: 'For managers',
  lines: [{ text: '/digest now', detail: 'your team’s earnings digest' }, { text: '/earnings 7d team', detail: 'the whole team’s commission' }, ...WORKSPACE_LINK_LINES],
});

export async function homeReply(deps: SlackDeps, identity: Identity, now = new Date()): Promise<Reply> {
  const influencer = await reachableInfluencer(deps.db, identity);
  if (!influencer) {
    return {
      visibility: 'ephemeral',
      title: 'Your storefront',
      text: 'You have no storefront yet. Create one with /storefront setup <handle> <tracking-id>, then add products with /storefront add <ASIN or Amazon link> [list].',
      sections: identity.isManager ? [managerSection()] : [],
      footer: 'Type /storefront help for every command.',
    };
  }
  const url = `${deps.config.PUBLIC_BASE_URL}/s/${encodeURIComponent(influencer.handle)}`;
  const tz = identity.timezone ?? 'UTC';
  const period = parsePeriod('7d', tz, now);
  const s = await earningsSummary(deps.db, { influencerId: influencer.id }, period);
  const reply: Reply = {
    visibility: 'ephemeral',
    title: `@${influencer.handle}'s storefront`,
    fields: [{ label: 'Storefront', value: url }],
    sections: [],
    buttons: [{ label: 'Open storefront', url }],
    footer: `${period.label} in ${tz}. Refreshed each time you open this tab; /earnings shows other periods.`,
  };
  if (!s.hasAnyEntries) {
    reply.text = 'No earnings have been ingested yet. Figures appear here once an Amazon Associates report has been loaded.';
  } else if (s.totals.length === 0) {
    reply.text = 'Last 7 days: no commission yet.';
  } else {
    reply.text = 'Last 7 days';
    for (const t of s.totals) reply.fields!.push(...totalsFields(t, s.totals.length > 1));
  }
  reply.fields!.push({ label: 'Clicks', value: `${s.clicks.click} clicks · ${s.clicks.repeat} repeat · ${s.clicks.preview} previews` });
  if (s.topProducts.length) {
    reply.sections!.push({ title: 'Top products', lines: s.topProducts.map((p) => ({ text: p.name ?? p.asin, detail: `${formatMoney(p.amount, p.currency)} · ${p.items} item${p.items === 1 ? '' : 's'}` })) });
  }
  if (identity.isManager) reply.sections!.push(managerSection());
  return reply;
}

export function registerAppHome(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event, body, client }) => {
    if (event.tab !== 'home') return;
    const teamId = body.team_id;
    try {
      const identity = await slackIdentity(deps.db, deps.users, client, { teamId, userId: event.user });
      const { blocks } = renderReply(await homeReply(deps, identity), { maxBlocks: MAX_BLOCKS_PER_VIEW });
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks } });
    } catch (err) {
      deps.log.error({ err, team: teamId, user: event.user }, 'could not publish App Home');
    }
  });
}
