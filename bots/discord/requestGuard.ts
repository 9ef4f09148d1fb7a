// The gate in front of POST /discord/interactions: read the raw body (capped), verify the Ed25519 signature
// and the timestamp's age, and refuse replays. Every refusal happens before anything is parsed or touched.
// What passes is handed on as req.rawBody.
import type { KeyObject } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../../src/log.ts';
import { acceptSignedRequest, type SeenOnce } from '../shared/signedRequest.ts';
import { checkDiscordSignature } from './verify.ts';

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

export type RequestWithRawBody = Request & { rawBody?: Buffer };

export function discordRequestGuard(opts: RequestGuardOptions): RequestHandler {
  const maxBytes = opts.maxBytes ?? MAX_BODY_BYTES;
  const now = opts.now ?? Date.now;
  return async (req, res, next) => {
    const raw = await acceptSignedRequest(req, res, {
      platform: 'Discord',
      maxBytes,
      signatures: opts.signatures,
      log: opts.log,
      verify: (r, body) => {
        const signature = r.get('x-signature-ed25519');
        // Hex is case-insensitive: remember one spelling so a re-cased replay is still a replay.
        return { signature: signature?.toLowerCase(), check: checkDiscordSignature(opts.publicKey, body, r.get('x-signature-timestamp'), signature, now()) };
      },
    });
    if (!raw) return;
    (req as RequestWithRawBody).rawBody = raw;
    next();
  };
}
