// /link: the caller's tagged short link for a product, ready to paste.
import { defaultMarketplace } from '../domain/organisations/influencers.ts';
import { getOrCreateLink, shortUrl } from '../domain/links/links.ts';
import { productFace } from '../domain/links/productFaces.ts';
import { productLabel, resolveProductRef, upsertProduct } from '../domain/links/products.ts';
import { linkCard } from '../cards/link.ts';
import { ownInfluencer } from './context.ts';
import type { CommandDef } from './types.ts';

export const linkCommand: CommandDef = {
  name: 'link',
  description: 'Get your tagged short link for an Amazon product',
  options: [
    { name: 'product', type: 'string', required: true, description: 'ASIN or Amazon product link', maxLength: 2048, autocomplete: 'own-product' },
    { name: 'campaign', type: 'string', description: 'campaign name to tell channels apart, like tiktok', maxLength: 40 },
  ],
  async execute(args, ctx) {
    const me = await ownInfluencer(ctx);
    const ref = await resolveProductRef(String(args.product), await defaultMarketplace(ctx.db, me.id), ctx.resolveShort);
    // One transaction: a refused link (no tracking ID for that store) leaves no product behind.
    const { product, link } = await ctx.db.transaction().execute(async (trx) => {
      const product = await upsertProduct(trx, ref);
      return { product, ...(await getOrCreateLink(trx, { influencerId: me.id, product, campaign: args.campaign as string | undefined })) };
    });
    // The product's name and picture as the influencer's storefront shows it (their own edit, else the catalogue's:
    // the report's name until Amazon's details arrive).
    const face = await productFace(ctx.db, me.organisationId, product, me.id);
    return linkCard({
      productLabel: face.title ?? productLabel(product),
      imageUrl: face.imageUrl,
      shortUrl: shortUrl(ctx.config.PUBLIC_BASE_URL, link.code),
      destinationUrl: link.destinationUrl,
      campaign: link.campaign,
    });
  },
};
