// The operator's side of /storefront edit and /storefront profile: the same domain functions, so an agency can set
// an influencer's titles, pictures, prices, notes, bio and avatar from a script (an empty value clears one).
import { UserError } from '../errors.ts';
import { setProductOverride, setProfile } from '../domain/catalogue/overrides.ts';
import { requireMarketplace } from '../domain/amazon/marketplaces.ts';
import { resolveProductRef } from '../domain/links/products.ts';
import { type CliCommand, str } from './context.ts';
import { handleOption, influencerOf, productOption, storefrontUrl } from './influencerOption.ts';

export const storefrontEdit: CliCommand = {
  name: 'storefront edit',
  summary: "Set an influencer's own title, image, price or note on a storefront product",
  usage: 'storefront edit --handle <handle> --product <ASIN or Amazon URL> [--title …] [--image <https URL>] [--price 24.99] [--note …] [--marketplace UK]',
  options: {
    ...handleOption,
    product: productOption('ASIN or Amazon product URL of a product in the storefront'),
    title: { type: 'string', description: 'title shown instead of Amazon’s ("" clears)' },
    image: { type: 'string', description: 'https URL of a picture shown instead of Amazon’s ("" clears)', value: 'url' },
    price: { type: 'string', description: 'price in the marketplace currency, shown with its time ("" clears)', value: 'amount' },
    note: { type: 'string', description: 'a personal note shown on the card ("" clears)' },
    marketplace: { type: 'string', description: 'which marketplace, when the storefront has the ASIN in several', value: 'code' },
  },
  async run(ctx, v) {
    const influencer = await influencerOf(ctx, v);
    const fields = { title: str(v.title), imageUrl: str(v.image), price: str(v.price), note: str(v.note) };
    if (Object.values(fields).every((f) => f === undefined)) throw new UserError('invalid_input', 'Say what to set: --title, --image, --price or --note.');
    // A product URL names its marketplace; an ASIN alone matches the storefront's one product with that ASIN.
    const { asin, marketplace: fromUrl } = await resolveProductRef(str(v.product)!, '', ctx.resolveShort);
    const marketplace = str(v.marketplace) !== undefined ? requireMarketplace(str(v.marketplace)!).code : fromUrl || undefined;
    const entries = await setProductOverride(ctx.db, { influencerId: influencer.id, asin, marketplace, ...fields }).catch((err: unknown) => {
      // The domain speaks to the influencer ("your storefront"); the operator is told whose.
      if (err instanceof UserError && err.code === 'not_found') throw new UserError('not_found', `${asin} is not in @${influencer.handle}'s storefront.`);
      throw err;
    });
    const set = Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => ({ field, cleared: value!.trim() === '' }));
    return { handle: influencer.handle, asin, entries, set, storefrontUrl: storefrontUrl(ctx, influencer.handle) };
  },
  format: (r: { handle: string; asin: string; set: Array<{ field: string; cleared: boolean }>; storefrontUrl: string }) =>
    `${r.asin} on @${r.handle}: ${r.set.map((s) => `${s.field} ${s.cleared ? 'cleared' : 'set'}`).join(', ')}.\nStorefront: ${r.storefrontUrl}`,
};

export const storefrontProfile: CliCommand = {
  name: 'storefront profile',
  summary: "Set an influencer's storefront bio or avatar (an empty value clears it)",
  usage: 'storefront profile --handle <handle> [--bio …] [--avatar <https URL>]',
  options: {
    ...handleOption,
    bio: { type: 'string', description: 'a short bio under the name, up to 500 characters ("" clears)' },
    avatar: { type: 'string', description: 'https URL of the avatar picture ("" clears)', value: 'url' },
  },
  async run(ctx, v) {
    const influencer = await influencerOf(ctx, v);
    const input = { bio: str(v.bio), avatarUrl: str(v.avatar) };
    if (input.bio === undefined && input.avatarUrl === undefined) throw new UserError('invalid_input', 'Say what to set: --bio or --avatar.');
    const profile = await setProfile(ctx.db, influencer.id, input);
    return { handle: influencer.handle, ...profile, storefrontUrl: storefrontUrl(ctx, influencer.handle) };
  },
  format: (r: { handle: string; bio: string | null; avatarUrl: string | null; storefrontUrl: string }) =>
    [`@${r.handle}`, `  bio:    ${r.bio ?? '(none)'}`, `  avatar: ${r.avatarUrl ?? '(none: the initial is shown)'}`, `Storefront: ${r.storefrontUrl}`].join(
      '\n',
    ),
};
