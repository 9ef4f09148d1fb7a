// /storefront cards: setup, add, show, account and server linking, unlinking. The command core gathers the data
// (src/commands/storefront.ts); these say it.
import type { Platform } from '../db/schema.ts';
import type { PlacedClaim } from '../domain/organisations/types.ts';
import type { ClaimView } from '../domain/workspaces/trackingIdClaims.ts';
import type { CatalogueStorefront } from '../domain/catalogue/resolve.ts';
import { isUnbuyable } from '../domain/catalogue/linkHealth.ts';
import { otherPlatform, platformLabel, workspaceNoun } from '../domain/workspaces/workspaceLinks.ts';
import { workspaceLabel, type UnlinkPlan, type UnlinkResult } from '../domain/workspaces/workspaceUnlink.ts';
import { actions, card, context, field, fields, header, line, links, linkButton, list, text, thumbnail, type Card, type CardLine, type Field } from './card.ts';
import { HEALTH_WORDS } from './catalogueNotice.ts';
import { ownClaimsElements, waitingText, withdrawButton } from './claims.ts';
import { marketLabel } from './labels.ts';
import { successCard } from './status.ts';
import { plural, priceAsOf } from './text.ts';

/** Products listed per list on /storefront show; the rest are "and N more" (the storefront page has them all). */
export const MAX_SHOWN_PER_LIST = 10;

type WaitingClaim = Pick<PlacedClaim, 'id' | 'trackingId' | 'marketplace' | 'reason'>;

/** /storefront setup by someone who has a storefront: the tracking ID is set, or waits for verification. */
export function trackingIdCard(d: {
  storefrontUrl: string;
  trackingId: string;
  marketplace: string;
  claim?: { claim: WaitingClaim; hint: string } | undefined;
}): Card {
  const storefront = fields([field('Storefront', d.storefrontUrl)]);
  if (d.claim)
    return card({ visibility: 'ephemeral', tone: 'info' }, [
      text(waitingText(d.claim.claim, d.claim.hint)),
      storefront,
      actions([withdrawButton(d.claim.claim.id)]),
    ]);
  return card({ visibility: 'ephemeral', tone: 'success' }, [text(`Tracking ID ${d.trackingId} is set for ${marketLabel(d.marketplace)}.`), storefront]);
}

/** /storefront setup: the new storefront, its tracking ID (waiting for verification when someone holds it). */
export function storefrontCreatedCard(d: {
  handle: string;
  storefrontUrl: string;
  trackingId: string;
  marketplace: string;
  claim?: { claim: WaitingClaim; hint: string } | undefined;
}): Card {
  const ready = `Your storefront @${d.handle} is ready. Add products with /storefront add <ASIN or Amazon link> [list].`;
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    header('Storefront created'),
    text(d.claim ? `${ready} ${waitingText(d.claim.claim, d.claim.hint)}` : ready),
    fields([
      field('Storefront', d.storefrontUrl),
      field('Tracking ID', `${d.trackingId} (${marketLabel(d.marketplace)})${d.claim ? ' · waiting for verification' : ''}`, { inline: true }),
    ]),
    d.claim && actions([withdrawButton(d.claim.claim.id)]),
    links([linkButton('Open storefront', d.storefrontUrl)]),
  ]);
}

/** /storefront add: what was added (or was there already) with its picture, its short link and the storefront. */
export function productAddedCard(d: {
  added: boolean;
  productLabel: string;
  imageUrl?: string | undefined;
  listName: string;
  shortUrl: string;
  storefrontUrl: string;
}): Card {
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    text(d.added ? `Added ${d.productLabel} to “${d.listName}”.` : `${d.productLabel} is already in “${d.listName}”.`),
    d.imageUrl && thumbnail(d.imageUrl, d.productLabel),
    fields([field('Short link', d.shortUrl), field('Storefront', d.storefrontUrl)]),
  ]);
}

/**
 * /storefront show: the storefront's lists as its page shows them (the influencer's own titles, Amazon's while fresh,
 * prices with their time, products Amazon no longer sells marked), each product linked by its short link; the
 * person's claims, and a broken notification destination.
 */
export function storefrontCard(d: {
  handle: string;
  storefrontUrl: string;
  lists: CatalogueStorefront['lists'];
  shortUrl: (code: string) => string;
  claims: readonly ClaimView[];
  brokenNotifications?: string | undefined;
}): Card {
  const claims = ownClaimsElements(d.claims);
  return card({ visibility: 'ephemeral' }, [
    header(`@${d.handle}'s storefront`),
    d.lists.length === 0 && text('No products yet. Add one with /storefront add <ASIN or Amazon link> [list].'),
    fields([field('Storefront', d.storefrontUrl)]),
    ...d.lists.map((l) =>
      list(
        l.name,
        l.items.slice(0, MAX_SHOWN_PER_LIST).map((i) =>
          line(i.title?.value ?? `Amazon product ${i.asin}`, {
            url: d.shortUrl(i.linkCode),
            detail: [i.asin, isUnbuyable(i.health) ? HEALTH_WORDS[i.health] : i.price && priceAsOf(i.price)].filter(Boolean).join(' · '),
          }),
        ),
        { more: Math.max(0, l.items.length - MAX_SHOWN_PER_LIST) },
      ),
    ),
    claims.list,
    claims.actions,
    links([linkButton('Open storefront', d.storefrontUrl)]),
    d.brokenNotifications !== undefined &&
      context(`Commission notifications could not be delivered (${d.brokenNotifications}). Run /storefront notify dm|here to choose a working destination.`),
  ]);
}

/** /storefront link-account without a code: the code to type on the other account. */
export function accountLinkCodeCard(d: { code: string; validMinutes: number; storefrontUrl: string }): Card {
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    header('Link another account'),
    text(`Your code is ${d.code}. On your other account (Slack or Discord), type /storefront link-account ${d.code}`),
    fields([
      field('Code', d.code, { inline: true }),
      field('Valid for', `${d.validMinutes} minutes, once`, { inline: true }),
      field('Storefront', d.storefrontUrl),
    ]),
    context('Both accounts then share one storefront, the same links and the same earnings. Do not share the code with anyone.'),
  ]);
}

/** /storefront link-account <code>: this account now reaches the storefront (or already did). */
export function accountLinkedCard(d: { changed: boolean; handle: string; fromPlatform: Platform; storefrontUrl: string }): Card {
  const from = d.fromPlatform === 'slack' ? 'Slack' : 'Discord';
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    text(
      d.changed
        ? `This account is now linked to your storefront @${d.handle} from ${from}: same storefront, links and earnings.`
        : `This account was already linked to @${d.handle}; nothing changed.`,
    ),
    fields([field('Storefront', d.storefrontUrl)]),
  ]);
}

/** /storefront link-server without a code: the code a manager of the other platform types. */
export function serverLinkCodeCard(d: { platform: Platform; code: string; validMinutes: number; organisationName: string }): Card {
  const here = workspaceNoun(d.platform);
  const there = workspaceNoun(otherPlatform(d.platform));
  const who = d.platform === 'slack' ? 'a member with Manage Server or Administrator' : 'a workspace admin or owner';
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    header(`Link a ${there}`),
    text(`Your server-link code is ${d.code}. In the ${there} that should join this organisation, ${who} types /storefront link-server ${d.code}`),
    fields([
      field('Code', d.code, { inline: true }),
      field('Valid for', `${d.validMinutes} minutes, once`, { inline: true }),
      field('Organisation', d.organisationName),
    ]),
    context(
      `That ${there} then shares this ${here}'s organisation: its managers see the roster, team earnings and digests. It must have no storefronts, feed sources, digest subscriptions or granted managers of its own (merging organisations is not supported). Give the code only to its manager.`,
    ),
  ]);
}

/** /storefront link-server <code>: this workspace joined the organisation of the one that made the code (or already had). */
export function serverLinkedCard(d: {
  platform: Platform;
  changed: boolean;
  organisationName: string;
  fromPlatform: Platform;
  previousOrganisationRemoved: boolean;
}): Card {
  const here = workspaceNoun(d.platform);
  const organisation = fields([field('Organisation', d.organisationName)]);
  if (!d.changed)
    return card({ visibility: 'ephemeral', tone: 'success' }, [text(`This ${here} already belongs to ${d.organisationName}; nothing changed.`), organisation]);
  const from = `${platformLabel(d.fromPlatform)} ${d.fromPlatform === 'slack' ? 'workspace' : 'server'}`;
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    header(`${d.platform === 'slack' ? 'Workspace' : 'Server'} linked`),
    text(
      `This ${here} now belongs to ${d.organisationName}, the organisation of the ${from} that made the code: managers here see its roster, team earnings and digests, and storefronts set up here join it.`,
    ),
    organisation,
    d.previousOrganisationRemoved && context(`The empty organisation this ${here} had before was removed.`),
  ]);
}

const remainingLabels = (plan: UnlinkPlan) => plan.remaining.map(workspaceLabel).join(', ');

function unlinkFields(plan: UnlinkPlan): Field[] {
  const used = plan.storefrontsUsedHere;
  const named = used.handles.map((h) => `@${h}`).join(', ') + (used.count > used.handles.length ? ', …' : '');
  return [
    field('Organisation', plan.organisationName),
    field('Stays with', remainingLabels(plan)),
    ...(used.count
      ? [
          field(
            'Storefronts used from here',
            `${used.count} (${named}): they stay with ${plan.organisationName}; their owners can no longer use them from here`,
          ),
        ]
      : []),
  ];
}

/** Everything of the organisation that pointed into this workspace, counted (zeros too: the admin sees it was checked). */
function stopLines(plan: UnlinkPlan, platform: Platform): CardLine[] {
  const s = plan.stops;
  return [
    line(plural(s.digestSubscriptions, 'daily digest subscription'), { detail: 'of managers here: turned off' }),
    ...(platform === 'discord' ? [line(plural(s.autolinkChannels, 'autolink channel'), { detail: 'in this server: turned off' })] : []),
    line(plural(s.notificationDestinations, 'commission notification destination'), {
      detail: 'here: turned off (the influencer sees why in /storefront show)',
    }),
    line(plural(s.managerGrants, 'manager grant'), { detail: 'here: revoked' }),
  ];
}

/** /storefront unlink-server: what would happen, before anything does. */
export function unlinkPreviewCard(plan: UnlinkPlan, platform: Platform): Card {
  const here = workspaceNoun(platform);
  return card({ visibility: 'ephemeral', tone: 'warning' }, [
    header(`Unlink this ${here}?`),
    text(
      `This ${here} will leave ${plan.organisationName}. ${plan.organisationName} and all its data (influencers, storefronts, links, earnings, digests, feed sources) stay with the ${remainingLabels(plan)}. ` +
        `This ${here} gets a new, empty organisation of its own: members here will no longer see the team's storefronts, earnings or digests. To go ahead, run /storefront unlink-server confirm`,
    ),
    fields(unlinkFields(plan)),
    list('What stops here', stopLines(plan, platform)),
    context(`Nothing is deleted. To link again later, a manager there runs /storefront link-server and a manager here types the code.`),
  ]);
}

/** /storefront unlink-server confirm: done, and what stopped. */
export function unlinkedCard(done: UnlinkResult, platform: Platform): Card {
  const here = workspaceNoun(platform);
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    header(`${platform === 'slack' ? 'Workspace' : 'Server'} unlinked`),
    text(
      `This ${here} has left ${done.organisationName} and now has a new, empty organisation of its own, ${done.newOrganisationName === done.organisationName ? `also named ${done.newOrganisationName}` : done.newOrganisationName}. ${done.organisationName} and all its data stay with the ${remainingLabels(done)}; members here no longer see its storefronts, earnings or digests. Nothing was deleted.`,
    ),
    fields([...unlinkFields(done), field('New organisation', done.newOrganisationName)]),
    list('Stopped here', stopLines(done, platform)),
    context(`To link again, a manager there runs /storefront link-server and a manager here types /storefront link-server <code>.`),
  ]);
}

/** /storefront autolink on|off in a Discord channel. */
export function autolinkStateCard(on: boolean, changed: boolean): Card {
  const state = on
    ? 'Auto-linking is on in this channel: when one of your influencers posts an Amazon product link here, I answer with their tagged short link.'
    : 'Auto-linking is off in this channel.';
  return successCard(changed ? state : `${state} (It already was; nothing changed.)`);
}

/** /storefront notify dm|here|off. */
export function notifyTargetCard(where: 'dm' | 'here' | 'off'): Card {
  return successCard(
    where === 'off'
      ? 'Commission notifications are off.'
      : where === 'dm'
        ? 'Commission notifications will come to you as a direct message.'
        : 'Commission notifications will be posted in this channel.',
  );
}

/** /storefront invite @user handle: the code to hand over, and what the person types. */
export function inviteIssuedCard(d: { handle: string; code: string; expiresAt: Date; forUser: string | null }): Card {
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    header(`Invite for @${d.handle}`),
    text(
      `${d.forUser ? `Send this to ${d.forUser}` : 'Send this to the owner'}: they type /storefront join ${d.code} here to own @${d.handle}, its tracking IDs and its history.`,
    ),
    fields([
      field('Code', d.code, { inline: true }),
      field('Valid until', `${d.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, once`, { inline: true }),
    ]),
    context(`${d.forUser ? `Only ${d.forUser} can use it. ` : ''}A new invite for @${d.handle} retires this one.`),
  ]);
}

/** /storefront join <code>: this account now owns the storefront (or already did). */
export function inviteRedeemedCard(d: { changed: boolean; handle: string; storefrontUrl: string }): Card {
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    text(
      d.changed
        ? `Welcome: @${d.handle} is now your storefront, with its tracking IDs, links and earnings. Try /earnings or /storefront show.`
        : `@${d.handle} was already your storefront; nothing changed.`,
    ),
    fields([field('Storefront', d.storefrontUrl)]),
  ]);
}

const EDITED_FIELD = { title: 'title', image: 'image', note: 'note' } as const;

/** /storefront edit: what the product now shows (their words, quoted as text; the renderers escape markup). */
export function productEditedCard(d: {
  asin: string;
  field: 'title' | 'image' | 'note';
  value: string | null;
  title: string | null;
  storefrontUrl: string;
}): Card {
  const what = EDITED_FIELD[d.field];
  const name = d.title ?? `Amazon product ${d.asin}`;
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    text(
      d.value === null ? `Your ${what} for ${d.asin} is cleared: the storefront shows Amazon's again when it has one.` : `Your ${what} for ${d.asin} is set.`,
    ),
    fields([
      field('Product', `${name} (${d.asin})`),
      d.value !== null && field(d.field === 'image' ? 'Image link' : d.field === 'note' ? 'Your note' : 'Title', d.value),
    ]),
    links([linkButton('Open storefront', d.storefrontUrl)]),
    context('Changes show on your storefront within a minute.'),
  ]);
}

/** /storefront profile: the bio or avatar now on the storefront page. */
export function profileEditedCard(d: { field: 'bio' | 'avatar'; value: string | null; storefrontUrl: string }): Card {
  const what = d.field === 'bio' ? 'bio' : 'avatar';
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    text(d.value === null ? `Your ${what} is cleared.` : `Your ${what} is set.`),
    d.value !== null && fields([field(d.field === 'bio' ? 'Bio' : 'Avatar link', d.value)]),
    links([linkButton('Open storefront', d.storefrontUrl)]),
    context('Changes show on your storefront within a minute.'),
  ]);
}
