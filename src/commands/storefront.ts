// /storefront: set up, fill and inspect your storefront, and choose where notifications go.
import { UserError } from '../errors.ts';
import { issueLinkCode, LINK_CODE_TTL_MS, reachableInfluencer, redeemLinkCode } from '../domain/accountLinks.ts';
import { setAutolinkChannel } from '../domain/autolinkChannels.ts';
import { attachInfluencer } from '../domain/identities.ts';
import { claimVerificationHint, createInfluencer, defaultMarketplace, registerTrackingId } from '../domain/influencers.ts';
import { shortUrl } from '../domain/links.ts';
import { formatMoney } from '../domain/money.ts';
import { getNotificationTarget, setNotificationTarget } from '../domain/notificationPrefs.ts';
import { productLabel, resolveProductRef } from '../domain/products.ts';
import { addToStorefront, getStorefrontView, removeFromStorefront } from '../domain/storefronts.ts';
import { issueServerLinkCode, otherPlatform, platformLabel, redeemServerLinkCode, SERVER_LINK_CODE_TTL_MS, workspaceNoun } from '../domain/workspaceLinks.ts';
import { previewUnlink, unlinkWorkspace, workspaceLabel, type UnlinkPlan } from '../domain/workspaceUnlink.ts';
import type { Platform, TrackingIdClaim } from '../db/schema.ts';
import { isAsin } from '../domain/amazon/productInput.ts';
import { ownInfluencer, storefrontUrl } from './context.ts';
import { claimReasonText, claimsSubcommand, marketLabel, ownClaimsSection, withdrawAction } from './claims.ts';
import { feedTokenSubcommand } from './feedToken.ts';
import { helpReply } from './run.ts';
import { infoReply, successReply } from './replies.ts';
import type { CommandDef, Reply, ReplyLine } from './types.ts';

const MAX_SHOWN_PER_LIST = 10;

export const storefrontCommand: CommandDef = {
  name: 'storefront',
  description: 'Your Amazon storefront: set it up, add and remove products, see it, and choose where commission notifications go.',
  subcommands: [
    {
      name: 'setup',
      description: 'Create your storefront (or add a tracking ID for another Amazon store)',
      options: [
        { name: 'handle', type: 'string', required: true, description: 'your storefront handle: a-z, 0-9, - and _', maxLength: 32 },
        { name: 'tracking-id', type: 'string', required: true, description: 'your Amazon Associates tracking ID, like yourname-20', maxLength: 70 },
        { name: 'marketplace', type: 'string', description: 'Amazon store of that tracking ID (default US), like UK or amazon.de', maxLength: 20 },
      ],
      async execute(args, ctx) {
        const handle = String(args.handle);
        // Reachable, not merely set: after /storefront unlink-server an account here may point at a storefront that
        // stayed with the team's organisation, and may start a new one in this workspace's organisation.
        const own = await reachableInfluencer(ctx.db, ctx.identity);
        if (own) {
          if (own.handle !== handle.replace(/^@/, '').toLowerCase()) {
            throw new UserError('conflict', `You already have a storefront, @${own.handle}. To add a tracking ID for another store, run /storefront setup ${own.handle} <tracking-id> <marketplace>.`);
          }
          const r = await registerTrackingId(ctx.db, own.id, String(args['tracking-id']), args.marketplace as string | undefined, { identityId: ctx.identity.id });
          const t = r.trackingId;
          const fields = [{ label: 'Storefront', value: storefrontUrl(ctx, own.handle) }];
          if (r.claim) return infoReply(waitingText(r.claim), { fields, actions: [withdrawAction(r.claim.id)] });
          return successReply(`Tracking ID ${t.tracking_id} is set for ${marketLabel(t.marketplace)}.`, { fields });
        }
        const { influencer, trackingId, claim } = await createInfluencer(ctx.db, {
          handle,
          displayName: handle,
          trackingId: String(args['tracking-id']),
          marketplace: args.marketplace as string | undefined,
          organisationId: ctx.identity.organisationId,
          claimant: { identityId: ctx.identity.id },
        });
        await attachInfluencer(ctx.db, ctx.identity.id, influencer.id);
        const url = storefrontUrl(ctx, influencer.handle);
        const ready = `Your storefront @${influencer.handle} is ready. Add products with /storefront add <ASIN or Amazon link> [list].`;
        return successReply(claim ? `${ready} ${waitingText(claim)}` : ready, {
          title: 'Storefront created',
          fields: [
            { label: 'Storefront', value: url },
            { label: 'Tracking ID', value: `${trackingId.tracking_id} (${marketLabel(trackingId.marketplace)})${claim ? ' · waiting for verification' : ''}`, inline: true },
          ],
          buttons: [{ label: 'Open storefront', url }],
          ...(claim ? { actions: [withdrawAction(claim.id)] } : {}),
        });
      },
    },
    {
      name: 'add',
      description: 'Add a product to your storefront, optionally to a named list',
      options: [
        { name: 'product', type: 'string', required: true, description: 'ASIN or Amazon product link', maxLength: 2048 },
        { name: 'list', type: 'string', rest: true, description: 'list name (default Favorites)', maxLength: 60, autocomplete: 'list' },
      ],
      async execute(args, ctx) {
        const me = await ownInfluencer(ctx);
        const ref = await resolveProductRef(String(args.product), await defaultMarketplace(ctx.db, me.id), ctx.resolveShort);
        const r = await addToStorefront(ctx.db, { influencerId: me.id, ref, listName: args.list as string | undefined });
        const link = shortUrl(ctx.config.PUBLIC_BASE_URL, r.link.code);
        return successReply(r.added ? `Added ${productLabel(r.product)} to “${r.listName}”.` : `${productLabel(r.product)} is already in “${r.listName}”.`, {
          fields: [
            { label: 'Short link', value: link },
            { label: 'Storefront', value: storefrontUrl(ctx, me.handle) },
          ],
        });
      },
    },
    {
      name: 'remove',
      description: 'Remove a product from your storefront',
      options: [{ name: 'asin', type: 'string', required: true, description: 'the ASIN of the product', maxLength: 2048, autocomplete: 'own-product' }],
      async execute(args, ctx) {
        const me = await ownInfluencer(ctx);
        const raw = String(args.asin);
        const asin = isAsin(raw.toUpperCase()) ? raw.toUpperCase() : (await resolveProductRef(raw, 'US', ctx.resolveShort)).asin;
        const removed = await removeFromStorefront(ctx.db, me.id, asin);
        if (removed === 0) throw new UserError('not_found', `${asin} is not in your storefront.`);
        return successReply(`Removed ${asin} from your storefront.`);
      },
    },
    {
      name: 'show',
      description: 'See your storefront link and what is in it',
      options: [],
      async execute(_args, ctx) {
        const me = await ownInfluencer(ctx);
        const view = await getStorefrontView(ctx.db, me);
        const url = storefrontUrl(ctx, me.handle);
        const notify = await getNotificationTarget(ctx.db, me.id);
        const reply: Reply = {
          visibility: 'ephemeral',
          title: `@${me.handle}'s storefront`,
          text: view.lists.length ? undefined : 'No products yet. Add one with /storefront add <ASIN or Amazon link> [list].',
          fields: [{ label: 'Storefront', value: url }],
          sections: view.lists.map((list) => ({
            title: list.name,
            lines: list.items.slice(0, MAX_SHOWN_PER_LIST).map(
              (i): ReplyLine => ({
                text: i.title ?? `Amazon product ${i.asin}`,
                url: shortUrl(ctx.config.PUBLIC_BASE_URL, i.linkCode),
                detail: [i.asin, i.priceMinor !== null && i.currency ? formatMoney(i.priceMinor, i.currency) : undefined].filter(Boolean).join(' · '),
              }),
            ),
            more: Math.max(0, list.items.length - MAX_SHOWN_PER_LIST),
          })),
          buttons: [{ label: 'Open storefront', url }],
        };
        Object.assign(reply, mergeClaims(reply, await ownClaimsSection(ctx, me.id)));
        if (notify?.broken_at) reply.footer = `Commission notifications could not be delivered (${notify.broken_reason ?? 'destination unavailable'}). Run /storefront notify dm|here to choose a working destination.`;
        return reply;
      },
    },
    {
      name: 'notify',
      description: 'Where commission notifications go: dm, here (this channel) or off',
      options: [{ name: 'where', type: 'string', required: true, choices: ['dm', 'here', 'off'], description: 'dm, here or off' }],
      async execute(args, ctx) {
        const me = await ownInfluencer(ctx);
        const where = args.where as 'dm' | 'here' | 'off';
        if (where === 'here' && (!ctx.channelId || ctx.isDirectMessage)) {
          throw new UserError('invalid_input', 'Run /storefront notify here in the channel where notifications should go.');
        }
        await setNotificationTarget(ctx.db, me.id, {
          destination: where === 'here' ? 'channel' : where,
          platform: ctx.identity.platform,
          workspaceId: ctx.identity.workspaceId,
          userId: ctx.identity.userId,
          channelId: where === 'here' ? ctx.channelId! : null,
        });
        const text = where === 'off' ? 'Commission notifications are off.' : where === 'dm' ? 'Commission notifications will come to you as a direct message.' : 'Commission notifications will be posted in this channel.';
        return successReply(text);
      },
    },
    {
      name: 'link-account',
      description: 'Use your storefront from Slack and Discord: get a code here, then type it on the other account',
      options: [{ name: 'code', type: 'string', rest: true, description: 'the code from your other account (leave out to get a code)', maxLength: 20 }],
      async execute(args, ctx) {
        const code = args.code as string | undefined;
        if (!code) {
          if (!ctx.identity.influencerId) {
            throw new UserError('not_found', 'This account has no storefront. If your storefront is on another account, run /storefront link-account there and type the code here: /storefront link-account <code>.');
          }
          const me = await ownInfluencer(ctx);
          const issued = await issueLinkCode(ctx.db, ctx.identity.id, ctx.now?.());
          return successReply(`Your code is ${issued.code}. On your other account (Slack or Discord), type /storefront link-account ${issued.code}`, {
            title: 'Link another account',
            fields: [
              { label: 'Code', value: issued.code, inline: true },
              { label: 'Valid for', value: `${LINK_CODE_TTL_MS / 60_000} minutes, once`, inline: true },
              { label: 'Storefront', value: storefrontUrl(ctx, me.handle) },
            ],
            footer: 'Both accounts then share one storefront, the same links and the same earnings. Do not share the code with anyone.',
          });
        }
        const linked = await redeemLinkCode(ctx.db, ctx.identity.id, code, ctx.now?.());
        const inf = await ctx.db.selectFrom('influencers').select('handle').where('id', '=', linked.influencerId).executeTakeFirstOrThrow();
        const from = linked.fromPlatform === 'slack' ? 'Slack' : 'Discord';
        return successReply(
          linked.changed ? `This account is now linked to your storefront @${inf.handle} from ${from}: same storefront, links and earnings.` : `This account was already linked to @${inf.handle}; nothing changed.`,
          { fields: [{ label: 'Storefront', value: storefrontUrl(ctx, inf.handle) }] },
        );
      },
    },
    {
      name: 'link-server',
      description: 'Share this team between Slack and Discord: get a code here, a manager types it in the other workspace (managers)',
      managerOnly: true,
      options: [{ name: 'code', type: 'string', rest: true, description: 'the code from the other workspace (leave out to get a code)', maxLength: 30 }],
      async execute(args, ctx) {
        const code = args.code as string | undefined;
        const here = workspaceNoun(ctx.identity.platform);
        if (!code) {
          const issued = await issueServerLinkCode(ctx.db, ctx.identity, ctx.now?.());
          const there = workspaceNoun(otherPlatform(ctx.identity.platform));
          const who = ctx.identity.platform === 'slack' ? 'a member with Manage Server or Administrator' : 'a workspace admin or owner';
          return successReply(`Your server-link code is ${issued.code}. In the ${there} that should join this organisation, ${who} types /storefront link-server ${issued.code}`, {
            title: `Link a ${there}`,
            fields: [
              { label: 'Code', value: issued.code, inline: true },
              { label: 'Valid for', value: `${SERVER_LINK_CODE_TTL_MS / 60_000} minutes, once`, inline: true },
              { label: 'Organisation', value: issued.organisationName },
            ],
            footer: `That ${there} then shares this ${here}'s organisation: its managers see the roster, team earnings and digests. It must have no storefronts, feed sources, digest subscriptions or granted managers of its own (merging organisations is not supported). Give the code only to its manager.`,
          });
        }
        const linked = await redeemServerLinkCode(ctx.db, ctx.identity, code, ctx.now?.());
        const from = `${platformLabel(linked.fromPlatform)} ${linked.fromPlatform === 'slack' ? 'workspace' : 'server'}`;
        if (!linked.changed) return successReply(`This ${here} already belongs to ${linked.organisationName}; nothing changed.`, { fields: [{ label: 'Organisation', value: linked.organisationName }] });
        return successReply(`This ${here} now belongs to ${linked.organisationName}, the organisation of the ${from} that made the code: managers here see its roster, team earnings and digests, and storefronts set up here join it.`, {
          title: `${ctx.identity.platform === 'slack' ? 'Workspace' : 'Server'} linked`,
          fields: [{ label: 'Organisation', value: linked.organisationName }],
          ...(linked.previousOrganisationRemoved ? { footer: `The empty organisation this ${here} had before was removed.` } : {}),
        });
      },
    },
    {
      name: 'unlink-server',
      description: 'Undo link-server: this workspace leaves the shared organisation for a new, empty one (managers)',
      managerOnly: true,
      options: [{ name: 'confirm', type: 'string', rest: true, description: 'type confirm to unlink (leave out to see first what would happen)', maxLength: 100 }],
      async execute(args, ctx) {
        const typed = (args.confirm as string | undefined)?.trim();
        if (typed && typed.toLowerCase() !== 'confirm') {
          throw new UserError('invalid_input', `Unknown argument “${typed.slice(0, 40)}”. Run /storefront unlink-server to see what would happen, then /storefront unlink-server confirm to do it.`);
        }
        const here = workspaceNoun(ctx.identity.platform);
        // Destructive for everyone here, so the bare command only explains; the confirm form acts.
        if (!typed) {
          const plan = await previewUnlink(ctx.db, ctx.identity);
          return {
            visibility: 'ephemeral',
            tone: 'warning',
            title: `Unlink this ${here}?`,
            text:
              `This ${here} will leave ${plan.organisationName}. ${plan.organisationName} and all its data (influencers, storefronts, links, earnings, digests, feed sources) stay with the ${labels(plan)}. ` +
              `This ${here} gets a new, empty organisation of its own: members here will no longer see the team's storefronts, earnings or digests. To go ahead, run /storefront unlink-server confirm`,
            fields: unlinkFields(plan),
            sections: [{ title: 'What stops here', lines: stopLines(plan, ctx.identity.platform) }],
            footer: `Nothing is deleted. To link again later, a manager there runs /storefront link-server and a manager here types the code.`,
          };
        }
        const done = await unlinkWorkspace(ctx.db, ctx.identity, ctx.now?.());
        return successReply(
          `This ${here} has left ${done.organisationName} and now has a new, empty organisation of its own, ${done.newOrganisationName === done.organisationName ? `also named ${done.newOrganisationName}` : done.newOrganisationName}. ${done.organisationName} and all its data stay with the ${labels(done)}; members here no longer see its storefronts, earnings or digests. Nothing was deleted.`,
          {
            title: `${ctx.identity.platform === 'slack' ? 'Workspace' : 'Server'} unlinked`,
            fields: [...unlinkFields(done), { label: 'New organisation', value: done.newOrganisationName }],
            sections: [{ title: 'Stopped here', lines: stopLines(done, ctx.identity.platform) }],
            footer: `To link again, a manager there runs /storefront link-server and a manager here types /storefront link-server <code>.`,
          },
        );
      },
    },
    feedTokenSubcommand,
    claimsSubcommand,
    {
      name: 'autolink',
      description: 'Discord: answer Amazon links posted in this channel with the poster’s short link (managers)',
      managerOnly: true,
      options: [{ name: 'state', type: 'string', required: true, choices: ['on', 'off'], description: 'on or off, for this channel' }],
      async execute(args, ctx) {
        if (ctx.identity.platform !== 'discord') {
          throw new UserError('unsupported', 'Auto-linking is Discord-only (the bot reads the messages of opted-in channels there). Here, use /link <product> to get a short link.');
        }
        if (!ctx.channelId || ctx.isDirectMessage) throw new UserError('invalid_input', 'Run /storefront autolink in the channel you want to change.');
        const on = args.state === 'on';
        const changed = await setAutolinkChannel(ctx.db, { organisationId: ctx.identity.organisationId, guildId: ctx.identity.workspaceId, channelId: ctx.channelId, on });
        const state = on
          ? 'Auto-linking is on in this channel: when one of your influencers posts an Amazon product link here, I answer with their tagged short link.'
          : 'Auto-linking is off in this channel.';
        return successReply(changed ? state : `${state} (It already was; nothing changed.)`);
      },
    },
    {
      name: 'help',
      description: 'How to use /storefront',
      options: [],
      execute: async () => helpReply(storefrontCommand),
    },
  ],
};

const labels = (plan: UnlinkPlan) => plan.remaining.map(workspaceLabel).join(', ');
const counted = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

function unlinkFields(plan: UnlinkPlan): NonNullable<Reply['fields']> {
  const used = plan.storefrontsUsedHere;
  const named = used.handles.map((h) => `@${h}`).join(', ') + (used.count > used.handles.length ? ', …' : '');
  return [
    { label: 'Organisation', value: plan.organisationName },
    { label: 'Stays with', value: labels(plan) },
    ...(used.count ? [{ label: 'Storefronts used from here', value: `${used.count} (${named}): they stay with ${plan.organisationName}; their owners can no longer use them from here` }] : []),
  ];
}

/** Everything of the organisation that pointed into this workspace, counted (zeros too: the admin sees it was checked). */
function stopLines(plan: UnlinkPlan, platform: Platform): ReplyLine[] {
  const s = plan.stops;
  return [
    { text: counted(s.digestSubscriptions, 'daily digest subscription'), detail: 'of managers here: turned off' },
    ...(platform === 'discord' ? [{ text: counted(s.autolinkChannels, 'autolink channel'), detail: 'in this server: turned off' }] : []),
    { text: counted(s.notificationDestinations, 'commission notification destination'), detail: 'here: turned off (the influencer sees why in /storefront show)' },
    { text: counted(s.managerGrants, 'manager grant'), detail: 'here: revoked' },
  ];
}

/** What a claimant reads when their tracking ID waits for verification. */
function waitingText(claim: TrackingIdClaim): string {
  return (
    `Tracking ID ${claim.tracking_id} (${marketLabel(claim.marketplace)}) is waiting for verification (claim #${claim.id}): ${claimReasonText(claim.reason)}. ` +
    `No figure of it shows to you until then; your links use it meanwhile. ${claimVerificationHint(claim.reason)}`
  );
}

/** The storefront card with the claims section and its buttons added. */
function mergeClaims(reply: Reply, extra: Pick<Reply, 'sections' | 'actions'>): Pick<Reply, 'sections' | 'actions'> {
  return { sections: [...(reply.sections ?? []), ...(extra.sections ?? [])], ...(extra.actions ? { actions: [...(reply.actions ?? []), ...extra.actions] } : {}) };
}
