// /storefront edit <ASIN> title|image|note [text] and /storefront profile bio|avatar [text]: the influencer's own
// words and pictures on their storefront page (the most trusted source, src/domain/catalogue/overrides.ts). Only
// their own storefront: the product must be in it. Leaving the text out clears the field.
import { UserError } from '../errors.ts';
import { productEditedCard, profileEditedCard } from '../cards/storefront.ts';
import { isAsin } from '../domain/amazon/productInput.ts';
import { getCatalogueStorefront } from '../domain/catalogue/resolve.ts';
import { setProductOverride, setProfile } from '../domain/catalogue/overrides.ts';
import { resolveProductRef } from '../domain/links/products.ts';
import { ownInfluencer, storefrontUrl } from './context.ts';
import type { Subcommand } from './types.ts';

const FIELD_OF = { title: 'title', image: 'imageUrl', note: 'note' } as const;

export const editSubcommand: Subcommand = {
  name: 'edit',
  description: 'Your own title, image (https link) or note on a product of your storefront; no text clears it',
  options: [
    {
      name: 'asin',
      type: 'string',
      required: true,
      description: 'the ASIN (or Amazon link) of a product in your storefront',
      maxLength: 2048,
      autocomplete: 'own-product',
    },
    { name: 'field', type: 'string', required: true, choices: ['title', 'image', 'note'], description: 'title, image or note' },
    { name: 'text', type: 'string', rest: true, description: 'the new title, https image link or note (leave out to clear)', maxLength: 2000 },
  ],
  async execute(args, ctx) {
    const me = await ownInfluencer(ctx);
    const raw = String(args.asin).trim();
    let asin = raw.toUpperCase();
    if (!isAsin(asin)) {
      // A product link works too; anything else is not a product.
      asin = (await resolveProductRef(raw, 'US', ctx.resolveShort)).asin;
    }
    const field = args.field as keyof typeof FIELD_OF;
    const value = (args.text as string | undefined)?.trim() || null;
    await setProductOverride(ctx.db, { influencerId: me.id, asin, [FIELD_OF[field]]: value });
    const shown = (await getCatalogueStorefront(ctx.db, me.id))?.lists.flatMap((l) => l.items).find((i) => i.asin === asin);
    return productEditedCard({
      asin,
      field,
      value,
      title: shown?.title?.value ?? null,
      storefrontUrl: storefrontUrl(ctx, me.handle),
    });
  },
};

export const profileSubcommand: Subcommand = {
  name: 'profile',
  description: 'Your storefront bio or avatar (an https image link); no text clears it',
  options: [
    { name: 'field', type: 'string', required: true, choices: ['bio', 'avatar'], description: 'bio or avatar' },
    { name: 'text', type: 'string', rest: true, description: 'your bio, or an https link to your avatar picture (leave out to clear)', maxLength: 2000 },
  ],
  async execute(args, ctx) {
    const me = await ownInfluencer(ctx);
    const field = args.field as 'bio' | 'avatar';
    const value = (args.text as string | undefined)?.trim() || null;
    if (field === 'avatar' && value === null && !me.avatarUrl)
      throw new UserError('invalid_input', 'You have no avatar to clear. Give an https link to a picture: /storefront profile avatar https://…');
    const profile = await setProfile(ctx.db, me.id, field === 'bio' ? { bio: value } : { avatarUrl: value });
    return profileEditedCard({ field, value: field === 'bio' ? profile.bio : profile.avatarUrl, storefrontUrl: storefrontUrl(ctx, me.handle) });
  },
};
