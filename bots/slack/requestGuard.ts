// The gate in front of Bolt on POST /slack/events: read the raw body (capped), verify the signature and its
// age, refuse replays, and drop Events API retries of an event already taken. Every refusal happens before
// anything is parsed or touched. What passes is handed to Bolt as req.rawBody.
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../src/log.ts';
import { checkSlackSignature, type SeenOnce } from './verify.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface RequestGuardOptions {
  signingSecret: string;
  /** Signatures seen in the last five minutes. */
  signatures: SeenOnce;
  /** Event ids already accepted (Slack retries with X-Slack-Retry-Num and a fresh signature). */
  events: SeenOnce;
  log: Logger;
  maxBytes?: number;
  now?: () => number;
}

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

export function slackRequestGuard(opts: RequestGuardOptions): RequestHandler {
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

    const signature = req.get('x-slack-signature');
    const check = checkSlackSignature(opts.signingSecret, raw, req.get('x-slack-request-timestamp'), signature, now());
    if (!check.ok) {
      opts.log.warn({ reason: check.reason, ip: req.ip }, 'refused Slack request');
      refuse(res, 401, 'Invalid request signature');
      return;
    }
    if (!(await opts.signatures.first(signature!))) {
      opts.log.warn({ ip: req.ip }, 'refused replayed Slack request');
      refuse(res, 401, 'Replayed request');
      return;
    }

    // Bolt compares the content type exactly; Slack may add parameters such as a charset.
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    req.headers['content-type'] = contentType;

    if (contentType === 'application/json') {
      let eventId: unknown;
      try {
        eventId = (JSON.parse(raw.toString('utf8')) as { event_id?: unknown } | null)?.event_id;
      } catch {
        refuse(res, 400, 'Body is not JSON');
        return;
      }
      if (typeof eventId === 'string' && !(await opts.events.first(eventId))) {
        // Already taken: answer 200 so Slack stops retrying, and do nothing.
        opts.log.debug({ eventId, retry: req.get('x-slack-retry-num') }, 'duplicate Slack event ignored');
        res.set('X-Slack-No-Retry', '1').status(200).end();
        return;
      }
    }
    (req as Request & { rawBody?: Buffer }).rawBody = raw;
    next();
  };
}
