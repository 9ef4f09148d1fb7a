// Slack request signing: v0 HMAC-SHA256 of "v0:{timestamp}:{raw body}", compared in constant time, and
// timestamps more than five minutes away refused. Replays inside that window are caught by SeenOnce.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { checkTimestamp, type SignatureCheck } from '../shared/signedRequest.ts';

export { MAX_REQUEST_AGE_SECONDS, SeenOnce } from '../shared/signedRequest.ts';

export function signSlackRequest(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

export function checkSlackSignature(
  secret: string,
  rawBody: Buffer,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  nowMs: number = Date.now(),
): SignatureCheck {
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: 'missing headers' };
  const fresh = checkTimestamp(timestampHeader, nowMs);
  if (!fresh.ok) return fresh;
  const expected = Buffer.from(signSlackRequest(secret, timestampHeader, rawBody));
  const given = Buffer.from(signatureHeader);
  // Equal lengths first: timingSafeEqual throws otherwise; the length of a v0 signature is public anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
