// Slack request signing: v0 HMAC-SHA256 of "v0:{timestamp}:{raw body}", compared in constant time, and
// timestamps more than five minutes away refused. Replays inside that window are caught by SeenOnce.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SigningScheme } from '../shared/signedRequest.ts';

export { MAX_REQUEST_AGE_SECONDS, SeenOnce } from '../shared/signedRequest.ts';

export function signSlackRequest(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

export function slackSigning(secret: string): SigningScheme {
  return {
    platform: 'Slack',
    headers: { signature: 'x-slack-signature', timestamp: 'x-slack-request-timestamp' },
    valid(rawBody, timestamp, signature) {
      const expected = Buffer.from(signSlackRequest(secret, timestamp, rawBody));
      const given = Buffer.from(signature);
      // Equal lengths first: timingSafeEqual throws otherwise; the length of a v0 signature is public anyway.
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
