// A visitor is identified only by a keyed hash of IP + user agent that rotates every UTC day:
// enough to spot repeat clicks, useless for tracking a person across days, and no raw IP is stored.
import { createHmac } from 'node:crypto';

export function visitorHash(secret: string, ip: string, ua: string, at: Date): string {
  const day = at.toISOString().slice(0, 10);
  return createHmac('sha256', secret).update(`${day}\n${ip}\n${ua}`).digest('base64url').slice(0, 22);
}
