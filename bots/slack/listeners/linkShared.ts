// Link unfurls: when one of our own short links (PUBLIC_BASE_URL/l/<code>) is pasted, show a product card.
import type { App } from '@slack/bolt';
import type { Card } from '../../../src/cards/card.ts';
import { linkPreviewCard } from '../../../src/cards/link.ts';
import { findLinkPreview, type LinkPreview } from '../../../src/domain/links/linkPreview.ts';
import type { SlackDeps } from '../deps.ts';
import { renderReply } from '../render.ts';

/** The link code when the URL is one of ours, otherwise undefined. */
export function shortLinkCode(publicBaseUrl: string, url: string): string | undefined {
  let u: URL;
  let base: URL;
  try {
    u = new URL(url);
    base = new URL(publicBaseUrl);
  } catch {
    return undefined;
  }
  if (u.origin !== base.origin) return undefined;
  const prefix = `${base.pathname.replace(/\/+$/, '')}/l/`;
  if (!u.pathname.startsWith(prefix)) return undefined;
  const code = u.pathname.slice(prefix.length).replace(/\/$/, '');
  return /^[0-9A-Za-z]{7,16}$/.test(code) ? code : undefined;
}

/** The product card of a pasted short link (composed in src/cards/link.ts with the other link cards). */
export const unfurlCard = (p: LinkPreview): Card => linkPreviewCard(p);

export function registerLinkShared(app: App, deps: SlackDeps): void {
  app.event('link_shared', async ({ event, client }) => {
    try {
      const unfurls: Record<string, { blocks: ReturnType<typeof renderReply>['blocks'] }> = {};
      for (const link of event.links) {
        const code = shortLinkCode(deps.config.PUBLIC_BASE_URL, link.url);
        const preview = code ? await findLinkPreview(deps.db, code) : undefined;
        if (preview) unfurls[link.url] = { blocks: renderReply(unfurlCard(preview)).blocks };
      }
      if (Object.keys(unfurls).length === 0) return;
      // Links still in the composer have no message yet: Slack identifies them by unfurl_id and source.
      if (event.unfurl_id && (event.source === 'composer' || event.source === 'conversations_history')) {
        await client.chat.unfurl({ unfurl_id: event.unfurl_id, source: event.source, unfurls });
      } else {
        await client.chat.unfurl({ channel: event.channel, ts: event.message_ts, unfurls });
      }
    } catch (err) {
      deps.log.warn({ err, channel: event.channel }, 'could not unfurl links');
    }
  });
}
