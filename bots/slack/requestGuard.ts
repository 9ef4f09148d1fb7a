// The gate in front of Bolt on POST /slack/events: read the raw body (capped), verify the signature and its
// age, refuse replays, and drop Events API retries of an event already taken. Every refusal happens before
// anything is parsed or touched. What passes is handed to Bolt as req.rawBody.
import type { RequestHandler } from 'express';
import type { Logger } from '../../src/log.ts';
import { refuse, signedRequestGuard, type SeenOnce } from '../shared/signedRequest.ts';
import { slackSigning } from './verify.ts';

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

export function slackRequestGuard({ signingSecret, events, maxBytes = MAX_BODY_BYTES, ...opts }: RequestGuardOptions): RequestHandler {
  return signedRequestGuard(slackSigning(signingSecret), { ...opts, maxBytes }, async (req, res, raw) => {
    // Bolt compares the content type exactly; Slack may add parameters such as a charset.
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    req.headers['content-type'] = contentType;

    if (contentType === 'application/json') {
      let eventId: unknown;
      try {
        eventId = (JSON.parse(raw.toString('utf8')) as { event_id?: unknown } | null)?.event_id;
      } catch {
        refuse(res, 400, 'Body is not JSON');
        return false;
      }
      if (typeof eventId === 'string' && !(await events.first(eventId))) {
        // Already taken: answer 200 so Slack stops retrying, and do nothing.
        opts.log.debug({ eventId, retry: req.get('x-slack-retry-num') }, 'duplicate Slack event ignored');
        res.set('X-Slack-No-Retry', '1').status(200).end();
        return false;
      }
    }
    return true;
  });
}
