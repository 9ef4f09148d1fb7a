// /storefront: set up, fill and inspect your storefront, and choose where notifications go.
import { UserError } from '../errors.ts';
import { issueLinkCode, LINK_CODE_TTL_MS, reachableInfluencer, redeemLinkCode } from '../domain/workspaces/accountLinks.ts';
import { setAutolinkChannel } from '../domain/workspaces/autolinkChannels.ts';
import { attachInfluencer } from '../domain/workspaces/identities.ts';
import { issueInvite, redeemInvite } from '../domain/workspaces/invites.ts';
import { claimVerificationHint, createInfluencer, defaultMarketplace, influencerHandle, registerTrackingId } from '../domain/organisations/influencers.ts';
import { shortUrl } from '../domain/links/links.ts';
import { notificationProblem, setNotificationTarget } from '../domain/notifications/notificationPrefs.ts';
import { productFace } from '../domain/links/productFaces.ts';
import { productLabel, resolveProductRef } from '../domain/links/products.ts';
import { addToStorefront, removeFromStorefront } from '../domain/storefront/storefronts.ts';
import { getCatalogueStorefront } from '../domain/catalogue/resolve.ts';
import { issueServerLinkCode, redeemServerLinkCode, SERVER_LINK_CODE_TTL_MS } from '../domain/workspaces/workspaceLinks.ts';
import { previewUnlink, unlinkWorkspace } from '../domain/workspaces/workspaceUnlink.ts';
import { isAsin } from '../domain/amazon/productInput.ts';
import {
  accountLinkCodeCard,
  accountLinkedCard,
  autolinkStateCard,
  inviteIssuedCard,
  inviteRedeemedCard,
  notifyTargetCard,
  productAddedCard,
  serverLinkCodeCard,
  serverLinkedCard,
  storefrontCard,
  storefrontCreatedCard,
  trackingIdCard,
  unlinkedCard,
  unlinkPreviewCard,
} from '../cards/storefront.ts';
import { successCard } from '../cards/status.ts';
import { ownInfluencer, storefrontUrl } from './context.ts';
import { claimsSubcommand, ownClaims } from './claims.ts';
import { feedTokenSubcommand } from './feedToken.ts';
import { editSubcommand, profileSubcommand } from './storefrontEdit.ts';
import { helpReply } from './run.ts';
import type { CommandDef } from './types.ts';

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
            throw new UserError(
              'conflict',
              `You already have a storefront, @${own.handle}. To add a tracking ID for another store, run /storefront setup ${own.handle} <tracking-id> <marketplace>.`,
            );
          }
          const r = await registerTrackingId(ctx.db, own.id, String(args['tracking-id']), args.marketplace as string | undefined, {
            identityId: ctx.identity.id,
          });
          return trackingIdCard({
            storefrontUrl: storefrontUrl(ctx, own.handle),
            trackingId: r.trackingId.trackingId,
            marketplace: r.trackingId.marketplace,
            claim: r.claim ? { claim: r.claim, hint: claimVerificationHint(r.claim.reason) } : undefined,
          });
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
        return storefrontCreatedCard({
          handle: influencer.handle,
          storefrontUrl: storefrontUrl(ctx, influencer.handle),
          trackingId: trackingId.trackingId,
          marketplace: trackingId.marketplace,
          claim: claim ? { claim, hint: claimVerificationHint(claim.reason) } : undefined,
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
        const face = await productFace(ctx.db, me.organisationId, r.product, me.id);
        return productAddedCard({
          added: r.added,
          productLabel: face.title ?? productLabel(r.product),
          imageUrl: face.imageUrl,
          listName: r.listName,
          shortUrl: shortUrl(ctx.config.PUBLIC_BASE_URL, r.link.code),
          storefrontUrl: storefrontUrl(ctx, me.handle),
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
        return successCard(`Removed ${asin} from your storefront.`);
      },
    },
    {
      name: 'show',
      description: 'See your storefront link and what is in it',
      options: [],
      async execute(_args, ctx) {
        const me = await ownInfluencer(ctx);
        const view = await getCatalogueStorefront(ctx.db, me.id);
        return storefrontCard({
          handle: me.handle,
          storefrontUrl: storefrontUrl(ctx, me.handle),
          lists: view?.lists ?? [],
          shortUrl: (code) => shortUrl(ctx.config.PUBLIC_BASE_URL, code),
          claims: await ownClaims(ctx, me.id),
          brokenNotifications: await notificationProblem(ctx.db, me.id),
        });
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
        return notifyTargetCard(where);
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
            throw new UserError(
              'not_found',
              'This account has no storefront. If your storefront is on another account, run /storefront link-account there and type the code here: /storefront link-account <code>.',
            );
          }
          const me = await ownInfluencer(ctx);
          const issued = await issueLinkCode(ctx.db, ctx.identity.id, ctx.now?.());
          return accountLinkCodeCard({ code: issued.code, validMinutes: LINK_CODE_TTL_MS / 60_000, storefrontUrl: storefrontUrl(ctx, me.handle) });
        }
        const linked = await redeemLinkCode(ctx.db, ctx.identity.id, code, ctx.now?.());
        const handle = await influencerHandle(ctx.db, linked.influencerId);
        return accountLinkedCard({
          changed: linked.changed,
          handle,
          fromPlatform: linked.fromPlatform,
          storefrontUrl: storefrontUrl(ctx, handle),
        });
      },
    },
    {
      name: 'join',
      description: 'Own a storefront made for you: type the invite code you were given',
      options: [{ name: 'code', type: 'string', rest: true, required: true, description: 'the invite code, like ABCDE-FGHJK', maxLength: 30 }],
      async execute(args, ctx) {
        const joined = await redeemInvite(ctx.db, ctx.identity, args.code as string, ctx.now?.());
        return inviteRedeemedCard({ changed: joined.changed, handle: joined.handle, storefrontUrl: storefrontUrl(ctx, joined.handle) });
      },
    },
    {
      name: 'invite',
      description: 'Invite a member to own a storefront of this team with a one-time code (managers)',
      managerOnly: true,
      options: [
        { name: 'user', type: 'user', required: true, description: 'the member who will own it' },
        { name: 'handle', type: 'string', required: true, description: 'the storefront handle', maxLength: 40 },
      ],
      async execute(args, ctx) {
        const user = String(args.user);
        const invite = await issueInvite(ctx.db, args.handle as string, {
          issuedBy: ctx.identity,
          forUser: { platform: ctx.identity.platform, userId: user },
          now: ctx.now?.(),
        });
        // A mention renders as the person's name on both platforms.
        return inviteIssuedCard({ handle: invite.influencer.handle, code: invite.code, expiresAt: invite.expiresAt, forUser: `<@${user}>` });
      },
    },
    {
      name: 'link-server',
      description: 'Share this team between Slack and Discord: get a code here, a manager types it in the other workspace (managers)',
      managerOnly: true,
      options: [{ name: 'code', type: 'string', rest: true, description: 'the code from the other workspace (leave out to get a code)', maxLength: 30 }],
      async execute(args, ctx) {
        const code = args.code as string | undefined;
        if (!code) {
          const issued = await issueServerLinkCode(ctx.db, ctx.identity, ctx.now?.());
          return serverLinkCodeCard({
            platform: ctx.identity.platform,
            code: issued.code,
            validMinutes: SERVER_LINK_CODE_TTL_MS / 60_000,
            organisationName: issued.organisationName,
          });
        }
        const linked = await redeemServerLinkCode(ctx.db, ctx.identity, code, ctx.now?.());
        return serverLinkedCard({
          platform: ctx.identity.platform,
          changed: linked.changed,
          organisationName: linked.organisationName,
          fromPlatform: linked.fromPlatform,
          previousOrganisationRemoved: Boolean(linked.previousOrganisationRemoved),
        });
      },
    },
    {
      name: 'unlink-server',
      description: 'Undo link-server: this workspace leaves the shared organisation for a new, empty one (managers)',
      managerOnly: true,
      options: [
        { name: 'confirm', type: 'string', rest: true, description: 'type confirm to unlink (leave out to see first what would happen)', maxLength: 100 },
      ],
      async execute(args, ctx) {
        const typed = (args.confirm as string | undefined)?.trim();
        if (typed && typed.toLowerCase() !== 'confirm') {
          throw new UserError(
            'invalid_input',
            `Unknown argument “${typed.slice(0, 40)}”. Run /storefront unlink-server to see what would happen, then /storefront unlink-server confirm to do it.`,
          );
        }
        // Destructive for everyone here, so the bare command only explains; the confirm form acts.
        if (!typed) return unlinkPreviewCard(await previewUnlink(ctx.db, ctx.identity), ctx.identity.platform);
        return unlinkedCard(await unlinkWorkspace(ctx.db, ctx.identity, ctx.now?.()), ctx.identity.platform);
      },
    },
    editSubcommand,
    profileSubcommand,
    feedTokenSubcommand,
    claimsSubcommand,
    {
      name: 'autolink',
      description: 'Discord: answer Amazon links posted in this channel with the poster’s short link (managers)',
      managerOnly: true,
      options: [{ name: 'state', type: 'string', required: true, choices: ['on', 'off'], description: 'on or off, for this channel' }],
      async execute(args, ctx) {
        if (ctx.identity.platform !== 'discord') {
          throw new UserError(
            'unsupported',
            'Auto-linking is Discord-only (the bot reads the messages of opted-in channels there). Here, use /link <product> to get a short link.',
          );
        }
        if (!ctx.channelId || ctx.isDirectMessage) throw new UserError('invalid_input', 'Run /storefront autolink in the channel you want to change.');
        const on = args.state === 'on';
        const changed = await setAutolinkChannel(ctx.db, {
          organisationId: ctx.identity.organisationId,
          guildId: ctx.identity.workspaceId,
          channelId: ctx.channelId,
          on,
        });
        return autolinkStateCard(on, changed);
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
