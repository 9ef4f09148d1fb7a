// What most operator commands start with: which influencer, named by its storefront handle, and its product.
import { requireInfluencerByHandle } from '../domain/organisations/influencers.ts';
import { type CliContext, type CliOption, str } from './context.ts';
import { storefrontPageUrl } from '../domain/links/links.ts';

/** --handle, spread first into a command's options. */
export const handleOption = {
  handle: { type: 'string', description: 'storefront handle', required: true },
} as const satisfies Record<string, CliOption>;

/** --product, required; `description` says what it may name for that command. */
export const productOption = (description: string) => ({ type: 'string', description, required: true, value: 'ASIN or URL' }) as const satisfies CliOption;

/** The influencer --handle names (not_found when there is none). */
export const influencerOf = (ctx: CliContext, values: Record<string, string | boolean | undefined>) => requireInfluencerByHandle(ctx.db, str(values.handle)!);

/** An influencer's public storefront page. */
export const storefrontUrl = (ctx: CliContext, handle: string) => storefrontPageUrl(ctx.config.PUBLIC_BASE_URL, handle);
