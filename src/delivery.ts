// What the notifier needs from a chat platform, and the two ways a delivery can fail that it handles.
import type { Card } from './cards/card.ts';

export interface Attachment {
  name: string;
  data: Buffer;
  contentType: string;
}

/** A card's chart and file elements are uploaded with it; `files` adds more. */
export interface PlatformSender {
  sendToUser(userId: string, reply: Card, opts?: { files?: Attachment[]; idempotencyKey?: string }): Promise<{ messageId: string }>;
  sendToChannel(channelId: string, reply: Card, opts?: { files?: Attachment[]; idempotencyKey?: string }): Promise<{ messageId: string }>;
}

/** The destination will not work again without someone acting (revoked token, deleted channel, DMs closed). */
export class DestinationGoneError extends Error {
  override name = 'DestinationGoneError';
  constructor(
    readonly reason: string,
    /** The platform's own error code, when it gave one. */
    readonly code?: number | string,
  ) {
    super(reason);
  }
}

/** The platform asked us to wait; the destination is paused for that long, the job is not failed. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterMs: number) {
    super(`rate limited for ${retryAfterMs} ms`);
  }
}

/** Platform adapters may throw their own classes; these checks go by shape so any of them is understood. */
export function asDestinationGone(err: unknown): DestinationGoneError | undefined {
  const e = err as { name?: string; reason?: unknown };
  if (err instanceof DestinationGoneError) return err;
  if (e && e.name === 'DestinationGoneError' && typeof e.reason === 'string') return new DestinationGoneError(e.reason);
  return undefined;
}

export function asRateLimited(err: unknown): RateLimitedError | undefined {
  const e = err as { retryAfterMs?: unknown };
  if (err instanceof RateLimitedError) return err;
  if (e && typeof e.retryAfterMs === 'number') return new RateLimitedError(e.retryAfterMs);
  return undefined;
}
