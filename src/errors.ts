// User-facing failures carry a code; bots turn them into ephemeral replies, HTTP into 4xx, the CLI into exit 1.
export type ErrorCode =
  'invalid_input' | 'not_amazon_product' | 'short_link_failed' | 'not_found' | 'conflict' | 'forbidden' | 'no_tracking_id' | 'unsupported';

export class UserError extends Error {
  override name = 'UserError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const isUserError = (err: unknown): err is UserError => err instanceof UserError;

/** Postgres unique violation, optionally on a named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
