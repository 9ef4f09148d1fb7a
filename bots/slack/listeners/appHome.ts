// App Home: the person's storefront URL and the last 7 days of earnings, published afresh on every open.
import type { App } from '@slack/bolt';
import { line, type Card, type CardLine } from '../../../src/cards/card.ts';
import { homeCard, homeSetupCard } from '../../../src/cards/earnings.ts';
import { storefrontCommand } from '../../../src/commands/storefront.ts';
import { usageLine } from '../../../src/commands/usage.ts';
import { parsePeriod } from '../../../src/domain/earnings/period.ts';
import { earningsSummary } from '../../../src/domain/earnings/summary.ts';
import type { Identity } from '../../../src/domain/workspaces/identities.ts';
import { reachableInfluencer } from '../../../src/domain/workspaces/accountLinks.ts';
import type { SlackDeps } from '../deps.ts';
import { slackIdentity } from '../identity.ts';
import { MAX_BLOCKS_PER_VIEW, renderReply } from '../render.ts';
import { storefrontPageUrl } from '../../../src/domain/links/links.ts';

// Usage and description from the command definitions, so the Home tab never drifts from /storefront help.
const WORKSPACE_LINK_LINES: CardLine[] = storefrontCommand
  .subcommands!.filter((s) => s.name === 'link-server' || s.name === 'unlink-server')
  .map((s) => line(usageLine(storefrontCommand, s), { detail: s.description }));

/** The Home card: the same earnings composer as /earnings (src/cards/earnings.ts), over the last 7 days. */
export async function homeReply(deps: SlackDeps, identity: Identity, now = new Date()): Promise<Card> {
  const managerLines = identity.isManager ? WORKSPACE_LINK_LINES : undefined;
  const influencer = await reachableInfluencer(deps.db, identity);
  if (!influencer) return homeSetupCard({ managerLines });
  const period = parsePeriod('7d', identity.timezone ?? 'UTC', now);
  const summary = await earningsSummary(deps.readDb, { influencerId: influencer.id }, period);
  return homeCard({
    handle: influencer.handle,
    storefrontUrl: storefrontPageUrl(deps.config.PUBLIC_BASE_URL, influencer.handle),
    period,
    summary,
    managerLines,
  });
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
