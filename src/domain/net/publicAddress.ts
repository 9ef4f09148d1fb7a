// Which IP addresses an outbound request of ours may reach: public unicast only. Loopback, private, link-local
// (cloud metadata 169.254.169.254 among them), unique-local (fd00:ec2::254), carrier-grade NAT, multicast, reserved
// and documentation ranges are refused; IPv6 forms that embed an IPv4 address (mapped ::ffff:a.b.c.d, NAT64
// 64:ff9b::/96, 6to4 2002::/16, the old compatible ::a.b.c.d) are judged by that IPv4 address.
// Used by every fetch of a URL that someone else chose (src/domain/net/publicFetch.ts): feed sources, short links.
import { isIP, isIPv4, isIPv6 } from 'node:net';

interface Range {
  bytes: Uint8Array;
  bits: number;
  what: string;
}

const IPV4_REFUSED: Array<[string, string]> = [
  ['0.0.0.0/8', '"this network"'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', '6to4 relay'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];

const IPV6_REFUSED: Array<[string, string]> = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local NAT64'],
  ['100::/64', 'discard'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique-local (cloud metadata)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
  ['::/8', 'reserved'],
];

// Never reachable, whatever an allow-list says: link-local and the cloud providers' metadata services.
const NEVER_ALLOWED: Array<[string, string]> = [
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['fe80::/10', 'link-local'],
  ['fd00:ec2::/32', 'cloud metadata'],
  ['100.100.100.200/32', 'cloud metadata'],
];

/** The 4 or 16 bytes of an IP address (IPv6 zone ids ignored), or undefined when it is not one. */
export function ipBytes(address: string): Uint8Array | undefined {
  const ip = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) return undefined;
  let text = ip;
  let v4: Uint8Array | undefined;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) {
    v4 = ipBytes(dotted[2]!);
    text = `${dotted[1]}0:0`;
  }
  const [left, right] = text.split('::') as [string, string | undefined];
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  if (v4) bytes.set(v4, 12);
  return bytes;
}

function range(cidr: string, what: string): Range {
  const [addr, bits] = cidr.split('/') as [string, string];
  return { bytes: ipBytes(addr)!, bits: Number(bits), what };
}

function inRange(bytes: Uint8Array, r: Range): boolean {
  if (bytes.length !== r.bytes.length) return false;
  for (let bit = 0; bit < r.bits; bit += 8) {
    const take = Math.min(8, r.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (r.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

const V4 = IPV4_REFUSED.map(([c, w]) => range(c, w));
const V6 = IPV6_REFUSED.map(([c, w]) => range(c, w));
const NEVER = NEVER_ALLOWED.map(([c, w]) => range(c, w));
// IPv6 ranges whose last (or, for 6to4, second to fifth) bytes are an IPv4 address.
const EMBEDDED_V4: Array<{ r: Range; at: number }> = [
  { r: range('::ffff:0:0/96', 'IPv4-mapped'), at: 12 },
  { r: range('64:ff9b::/96', 'NAT64'), at: 12 },
  { r: range('2002::/16', '6to4'), at: 2 },
];
const COMPATIBLE = range('::/96', 'IPv4-compatible');

/** The IPv4 address an IPv6 address stands for, when it embeds one. */
function embeddedV4(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length !== 16) return undefined;
  for (const { r, at } of EMBEDDED_V4) if (inRange(bytes, r)) return bytes.slice(at, at + 4);
  // ::a.b.c.d (deprecated), but not :: and ::1 themselves.
  if (inRange(bytes, COMPATIBLE) && bytes[12]! + bytes[13]! + bytes[14]! > 0) return bytes.slice(12, 16);
  return undefined;
}

/** Why this address may not be reached ("a loopback address"), or undefined when it is public. Non-addresses are refused. */
export function refusalOf(address: string): string | undefined {
  const bytes = ipBytes(address);
  if (!bytes) return 'not an IP address';
  const v4 = embeddedV4(bytes);
  if (v4) return refusalOf(Array.from(v4).join('.'));
  const hit = (bytes.length === 4 ? V4 : V6).find((r) => inRange(bytes, r));
  return hit ? `a ${hit.what} address` : undefined;
}

export function isPublicAddress(address: string): boolean {
  return refusalOf(address) === undefined;
}

/** Link-local and cloud metadata addresses: refused even when an allow-list names them. */
function neverAllowed(bytes: Uint8Array): boolean {
  const v4 = embeddedV4(bytes);
  return NEVER.some((r) => inRange(v4 ?? bytes, r));
}

const keyOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Non-public addresses a caller may still reach: an operator's internal report server, or a test's own local server.
 * Entries are `IP` (any port), `IP:port` or `[IPv6]:port`. Link-local and cloud metadata addresses are never allowed.
 */
export class AllowList {
  private readonly entries = new Map<string, Set<number> | 'any'>();

  constructor(entries: Iterable<string> = []) {
    for (const entry of entries) this.add(entry);
  }

  /** Parses a comma-separated list; throws an Error naming the first bad entry. */
  static parse(text: string | undefined): AllowList {
    return new AllowList(
      (text ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  }

  add(entry: string): this {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? (isIP(entry) ? [entry, entry, undefined] : /^([^:]+):(\d+)$/.exec(entry));
    const bytes = m ? ipBytes(m[1]!) : undefined;
    const port = m?.[2] === undefined ? undefined : Number(m[2]);
    if (!bytes || (port !== undefined && (port < 1 || port > 65535))) throw new Error(`"${entry}" is not an IP address, IP:port or [IPv6]:port`);
    if (neverAllowed(bytes)) throw new Error(`"${entry}" is a link-local or cloud metadata address, which is never allowed`);
    const key = keyOf(bytes);
    const had = this.entries.get(key);
    if (port === undefined || had === 'any') this.entries.set(key, 'any');
    else this.entries.set(key, new Set([...(had ?? []), port]));
    return this;
  }

  allows(address: string, port: number): boolean {
    const bytes = ipBytes(address);
    if (!bytes || neverAllowed(bytes)) return false;
    const ports = this.entries.get(keyOf(bytes));
    return ports === 'any' || Boolean(ports?.has(port));
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Why a connection to address:port is refused under an allow-list, or undefined when it may go ahead. */
export function connectionRefusal(address: string, port: number, allow?: AllowList): string | undefined {
  const why = refusalOf(address);
  if (why === undefined || allow?.allows(address, port)) return undefined;
  return `${address} is ${why}`;
}
