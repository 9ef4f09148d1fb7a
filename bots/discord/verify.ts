// Discord request signing: an Ed25519 signature (X-Signature-Ed25519, hex) over X-Signature-Timestamp followed
// by the raw body, checked with the application's public key. Timestamps more than five minutes away are
// refused too, and replays inside that window are caught by SeenOnce (shared with the Slack gate).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

import type { SigningScheme } from '../shared/signedRequest.ts';

export { MAX_REQUEST_AGE_SECONDS, SeenOnce } from '../shared/signedRequest.ts';

// DER SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING }.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The KeyObject for Discord's raw 32-byte public key, given as 64 hex characters. */
export function publicKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('A Discord public key is 64 hex characters');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

export function discordSigning(key: KeyObject): SigningScheme {
  return {
    platform: 'Discord',
    headers: { signature: 'x-signature-ed25519', timestamp: 'x-signature-timestamp' },
    valid(rawBody, timestamp, signature) {
      // An Ed25519 signature is 64 bytes; anything else is not worth asking crypto about.
      if (!/^[0-9a-fA-F]{128}$/.test(signature)) return false;
      try {
        return verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]), key, Buffer.from(signature, 'hex'));
      } catch {
        return false;
      }
    },
    // Hex is case-insensitive: remember one spelling so a re-cased replay is still a replay.
    replayKey: (signature) => signature.toLowerCase(),
  };
}
