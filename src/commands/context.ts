// Lookups every command needs: the caller's own influencer, scoped by identity.
import { UserError } from '../errors.ts';
import { reachableInfluencer } from '../domain/workspaces/accountLinks.ts';
import type { Influencer } from '../domain/organisations/types.ts';
import type { CommandContext } from './types.ts';
import { storefrontPageUrl } from '../domain/links/links.ts';

export async function ownInfluencer(ctx: CommandContext): Promise<Influencer> {
  // Only the caller's own organisation, unless this account was linked to the storefront with a one-time code.
  const influencer = await reachableInfluencer(ctx.db, ctx.identity);
  if (!influencer) throw new UserError('not_found', 'You have no storefront yet. Start with /storefront setup <handle> <tracking-id>.');
  return influencer;
}

export function storefrontUrl(ctx: CommandContext, handle: string): string {
  return storefrontPageUrl(ctx.config.PUBLIC_BASE_URL, handle);
}
