// A visitor is identified only by a keyed hash of IP + user agent that rotates every UTC day:
// enough to spot repeat clicks, useless for tracking a person across days, and no raw IP is stored.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

const DAY_MS = 86_400_000;

// This runs once per click on the redirect path, so the two per-call costs that never change are kept:
// the HMAC key object for the secret, and the UTC date label of the current day.
const keys = new Map<string, KeyObject>();
let dayStart = NaN;
let dayLabel = '';

export function visitorHash(secret: string, ip: string, ua: string, at: Date): string {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= 16) keys.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  const t = at.getTime();
  if (!(t >= dayStart && t < dayStart + DAY_MS)) {
    dayLabel = at.toISOString().slice(0, 10); // throws on an invalid date, as before
    dayStart = Math.floor(t / DAY_MS) * DAY_MS;
  }
  return createHmac('sha256', key).update(`${dayLabel}\n${ip}\n${ua}`).digest('base64url').slice(0, 22);
}
