// The gate in front of POST /discord/interactions: read the raw body (capped), verify the Ed25519 signature
// and the timestamp's age, and refuse replays. Every refusal happens before anything is parsed or touched.
// What passes is handed on as req.rawBody.
import type { KeyObject } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../src/log.ts';
import { checkDiscordSignature, type SeenOnce } from './verify.ts';

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

class TooLarge extends Error {}

/** Collects the body up to maxBytes; past that it rejects and lets the rest drain, so a 413 can still be sent. */
function readRaw(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function refuse(res: Response, status: number, message: string): void {
  res.status(status).type('text/plain').send(message);
}

export function discordRequestGuard(opts: RequestGuardOptions): RequestHandler {
  const maxBytes = opts.maxBytes ?? MAX_BODY_BYTES;
  const now = opts.now ?? Date.now;
  return async (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      res.set('Connection', 'close');
      refuse(res, 413, 'Request body too large');
      req.resume();
      return;
    }
    let raw: Buffer;
    try {
      raw = await readRaw(req, maxBytes);
    } catch (err) {
      if (err instanceof TooLarge) {
        res.set('Connection', 'close');
        refuse(res, 413, 'Request body too large');
        return;
      }
      refuse(res, 400, 'Could not read the request body');
      return;
    }
    const signature = req.get('x-signature-ed25519');
    const check = checkDiscordSignature(opts.publicKey, raw, req.get('x-signature-timestamp'), signature, now());
    if (!check.ok) {
      opts.log.warn({ reason: check.reason, ip: req.ip }, 'refused Discord request');
      refuse(res, 401, 'invalid request signature');
      return;
    }
    if (!(await opts.signatures.first(signature!.toLowerCase()))) {
      opts.log.warn({ ip: req.ip }, 'refused replayed Discord request');
      refuse(res, 401, 'replayed request');
      return;
    }
    (req as RequestWithRawBody).rawBody = raw;
    next();
  };
}
