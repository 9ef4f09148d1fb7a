// Random strings of letters and digits only: nothing a shell, a URL or a command-line parser reads specially (a
// token hint starting with "-" was taken for an option by the CLI).
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform base62 from CSPRNG bytes (rejection sampling avoids modulo bias): about 5.95 bits a character. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
