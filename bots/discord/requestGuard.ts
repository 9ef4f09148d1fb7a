// The gate in front of POST /discord/interactions: read the raw body (capped), verify the Ed25519 signature
// and the timestamp's age, and refuse replays. Every refusal happens before anything is parsed or touched.
// What passes is handed on as req.rawBody.
import type { KeyObject } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../src/log.ts';
import { signedRequestGuard, type SeenOnce } from '../shared/signedRequest.ts';
import { discordSigning } from './verify.ts';

export type { RequestWithRawBody } from '../shared/signedRequest.ts';

/** Interactions are small JSON documents; Discord's own are a few kilobytes. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface RequestGuardOptions {
  publicKey: KeyObject;
  /** Signatures seen in the last five minutes. */
  signatures: SeenOnce;
  log: Logger;
  maxBytes?: number;
  now?: () => number;
}

export function discordRequestGuard({ publicKey, maxBytes = MAX_BODY_BYTES, ...opts }: RequestGuardOptions): RequestHandler {
  return signedRequestGuard(discordSigning(publicKey), { ...opts, maxBytes });
}
