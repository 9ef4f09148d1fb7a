// Operator commands. Each returns a plain result: printed as text, or as JSON with --json.
import { UserError } from '../errors.ts';
import { addTrackingId, createInfluencer, defaultMarketplace } from '../domain/organisations/influencers.ts';
import { getOrCreateLink, shortUrl } from '../domain/links/links.ts';
import { parseMinor } from '../domain/common/money.ts';
import { resolveProductRef, upsertProduct, type ProductDetails } from '../domain/links/products.ts';
import { addToStorefront } from '../domain/storefront/storefronts.ts';
import { requireMarketplace } from '../domain/amazon/marketplaces.ts';
import { operatorOrganisation, parseOrganisationId } from '../domain/organisations/organisations.ts';
import { type CliCommand, type CliContext, type CliOption, str } from './context.ts';
import { handleOption, influencerOf, productOption, storefrontUrl } from './influencerOption.ts';
import { runDemo } from './demo.ts';
import { earningsCommand, ingestCommand } from './ingestCommands.ts';
import { feedSourceAdd, feedSourceList } from './feedSourceCommands.ts';
import { feedTokenCreate, feedTokenList, feedTokenRevoke } from './feedTokenCommands.ts';
import { influencerList, linkList, orgList } from './listCommands.ts';
import { influencerInvite } from './inviteCommands.ts';
import { rotateKey } from './secretCommands.ts';
import { catalogueCredentials, catalogueStatus } from './catalogueCommands.ts';
import { storefrontEdit, storefrontProfile } from './storefrontCommands.ts';

function productDetails(values: Record<string, string | boolean | undefined>, marketplace: string): ProductDetails {
  const price = str(values.price);
  const currency = requireMarketplace(marketplace).currency;
  let priceMinor: number | undefined;
  if (price !== undefined) {
    try {
      priceMinor = parseMinor(price, currency);
    } catch {
      throw new UserError('invalid_input', `--price must be a decimal amount like 24.99, not "${price.slice(0, 20)}".`);
    }
  }
  return {
    title: str(values.title),
    imageUrl: str(values.image),
    category: str(values.category),
    priceMinor,
    currency: priceMinor === undefined ? undefined : currency,
  };
}

/** The influencer --handle names, and the product --product names in that influencer's default store. */
async function influencerAndProduct(ctx: CliContext, values: Record<string, string | boolean | undefined>) {
  const influencer = await influencerOf(ctx, values);
  const ref = await resolveProductRef(str(values.product)!, await defaultMarketplace(ctx.db, influencer.id), ctx.resolveShort);
  return { influencer, ref };
}

/** A product-placing command's options: --handle, --product (`product` says what it may be), its own, the details. */
const placingOptions = <Own extends Record<string, CliOption>>(product: string, own: Own) =>
  ({
    ...handleOption,
    product: productOption(product),
    ...own,
    title: { type: 'string', description: 'product title shown on the storefront' },
    image: { type: 'string', description: 'https URL of the product image', value: 'url' },
    price: { type: 'string', description: 'price in the marketplace currency, e.g. 24.99', value: 'amount' },
    category: { type: 'string', description: 'product category' },
  }) as const;

export const influencerCreate: CliCommand = {
  name: 'influencer create',
  summary: 'Create an influencer with a storefront and a default tracking ID',
  usage: 'influencer create --handle <handle> --name <display name> --tracking-id <id-20> [--marketplace US] [--org <id>]',
  options: {
    handle: { type: 'string', description: 'storefront handle (a-z, 0-9, - and _)', required: true },
    name: { type: 'string', description: 'display name', required: true, value: 'display name' },
    'tracking-id': { type: 'string', description: 'Amazon Associates tracking ID, e.g. jane-20', required: true, value: 'id-20' },
    marketplace: { type: 'string', description: 'marketplace code or domain (default US)', value: 'code' },
    org: { type: 'string', description: 'organisation to create it in (default: the only or default organisation)', value: 'id' },
  },
  async run(ctx, v) {
    const { influencer, trackingId } = await createInfluencer(ctx.db, {
      handle: str(v.handle)!,
      displayName: str(v.name)!,
      trackingId: str(v['tracking-id'])!,
      marketplace: str(v.marketplace),
      organisationId: await operatorOrganisation(ctx.db, str(v.org) === undefined ? undefined : parseOrganisationId(str(v.org)!)),
    });
    return {
      id: influencer.id,
      organisationId: influencer.organisationId,
      handle: influencer.handle,
      name: influencer.displayName,
      trackingId: trackingId.trackingId,
      marketplace: trackingId.marketplace,
      storefrontUrl: storefrontUrl(ctx, influencer.handle),
    };
  },
  format: (r: { handle: string; trackingId: string; marketplace: string; storefrontUrl: string }) =>
    `Created @${r.handle} (tracking ID ${r.trackingId} on ${r.marketplace}).\nStorefront: ${r.storefrontUrl}`,
};

export const trackingIdAdd: CliCommand = {
  name: 'tracking-id add',
  summary: 'Register another tracking ID for an influencer (for another marketplace)',
  usage: 'tracking-id add --handle <handle> --tracking-id <id-21> --marketplace <UK>',
  options: {
    ...handleOption,
    'tracking-id': { type: 'string', description: 'Amazon Associates tracking ID', required: true, value: 'id-21' },
    marketplace: { type: 'string', description: 'marketplace code or domain', required: true, value: 'code' },
  },
  async run(ctx, v) {
    const influencer = await influencerOf(ctx, v);
    const t = await addTrackingId(ctx.db, influencer.id, str(v['tracking-id'])!, str(v.marketplace));
    return { handle: influencer.handle, trackingId: t.trackingId, marketplace: t.marketplace, default: t.isDefault };
  },
  format: (r: { handle: string; trackingId: string; marketplace: string }) => `Tracking ID ${r.trackingId} registered for @${r.handle} on ${r.marketplace}.`,
};

export const storefrontAdd: CliCommand = {
  name: 'storefront add',
  summary: "Add a product to an influencer's storefront",
  usage: 'storefront add --handle <handle> --product <ASIN or Amazon URL> [--list <name>] [--title …] [--price …] [--image …]',
  options: placingOptions('ASIN or Amazon product URL (amzn.to links are resolved)', {
    list: { type: 'string', description: 'list name (default Favorites)', value: 'name' },
  }),
  async run(ctx, v) {
    const { influencer, ref } = await influencerAndProduct(ctx, v);
    const r = await addToStorefront(ctx.db, { influencerId: influencer.id, ref, listName: str(v.list), details: productDetails(v, ref.marketplace) });
    return {
      handle: influencer.handle,
      asin: r.product.asin,
      marketplace: r.product.marketplace,
      title: r.product.title,
      list: r.listName,
      added: r.added,
      shortUrl: shortUrl(ctx.config.PUBLIC_BASE_URL, r.link.code),
      storefrontUrl: storefrontUrl(ctx, influencer.handle),
    };
  },
  format: (r: { asin: string; list: string; added: boolean; storefrontUrl: string; title: string | null }) =>
    `${r.added ? 'Added' : 'Already in'} ${r.title ?? r.asin} ${r.added ? 'to' : 'list'} "${r.list}".\nStorefront: ${r.storefrontUrl}`,
};

export const linkCreate: CliCommand = {
  name: 'link create',
  summary: 'Get the tagged short link for a product (reused per handle + product + campaign)',
  usage: 'link create --handle <handle> --product <ASIN or Amazon URL> [--campaign <name>]',
  options: placingOptions('ASIN or Amazon product URL', {
    campaign: { type: 'string', description: 'campaign name, to tell channels apart (a-z, 0-9, - and _)', value: 'name' },
  }),
  async run(ctx, v) {
    const { influencer, ref } = await influencerAndProduct(ctx, v);
    // One transaction: a refused link (no tracking ID for that store) leaves no product behind.
    const { product, link, created } = await ctx.db.transaction().execute(async (trx) => {
      const product = await upsertProduct(trx, ref, productDetails(v, ref.marketplace));
      return { product, ...(await getOrCreateLink(trx, { influencerId: influencer.id, product, campaign: str(v.campaign) })) };
    });
    return {
      code: link.code,
      shortUrl: shortUrl(ctx.config.PUBLIC_BASE_URL, link.code),
      destination: link.destinationUrl,
      asin: product.asin,
      marketplace: product.marketplace,
      campaign: link.campaign,
      created,
    };
  },
  format: (r: { shortUrl: string; destination: string; created: boolean }) => `${r.shortUrl}\n  → ${r.destination}${r.created ? '' : '  (existing link)'}`,
};

export const demo: CliCommand = {
  name: 'demo',
  summary: 'Seed a demo influencer with a storefront and print its URL and a few short links',
  usage: 'demo',
  options: {},
  run: (ctx) => runDemo(ctx),
  format: (r: { storefrontUrl: string; links: Array<{ title: string; shortUrl: string }> }) =>
    [`Demo storefront: ${r.storefrontUrl}`, 'Short links:', ...r.links.map((l) => `  ${l.shortUrl}  ${l.title}`)].join('\n'),
};

export const migrate: CliCommand = {
  name: 'migrate',
  summary: 'Create the database if needed and apply migrations',
  usage: 'migrate',
  options: {},
  run: async () => ({ migrated: true }),
  format: () => 'Database is up to date.',
};

export const COMMANDS: CliCommand[] = [
  influencerCreate,
  influencerInvite,
  influencerList,
  trackingIdAdd,
  storefrontAdd,
  storefrontEdit,
  storefrontProfile,
  linkCreate,
  linkList,
  orgList,
  ingestCommand,
  earningsCommand,
  feedSourceAdd,
  feedSourceList,
  feedTokenCreate,
  feedTokenList,
  feedTokenRevoke,
  catalogueCredentials,
  catalogueStatus,
  rotateKey,
  demo,
  migrate,
];
