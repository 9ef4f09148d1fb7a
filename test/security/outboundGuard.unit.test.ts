// The SSRF guard shared by feed-source polling and short-link resolution: which addresses are refused, and that a
// refusal happens before anything is sent — at the first URL, at any redirect hop, and on what DNS answers. Local
// servers stand in for the internet; the test allows exactly its own "public" one, so even loopback is refused
// unless the test says otherwise.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllowList, isPublicAddress, refusalOf } from '../../src/domain/net/publicAddress.ts';
import { fetchPublic, RefusedDestinationError, type OutboundPolicy } from '../../src/domain/net/publicFetch.ts';

describe('which addresses an outbound request may reach', () => {
  it('then loopback, private, link-local, unique-local, CGNAT, metadata and reserved addresses are refused', () => {
    const refused: Array<[string, RegExp]> = [
      ['127.0.0.1', /loopback/],
      ['127.255.0.9', /loopback/],
      ['0.0.0.0', /this network/],
      ['10.0.0.1', /private/],
      ['172.16.5.4', /private/],
      ['172.31.255.255', /private/],
      ['192.168.1.1', /private/],
      ['100.64.0.1', /carrier-grade NAT/],
      ['100.100.100.200', /carrier-grade NAT/],
      ['169.254.169.254', /link-local/],
      ['169.254.170.2', /link-local/],
      ['192.0.2.10', /documentation/],
      ['198.18.0.1', /benchmarking/],
      ['224.0.0.1', /multicast/],
      ['255.255.255.255', /reserved/],
      ['::', /unspecified/],
      ['::1', /loopback/],
      ['[::1]', /loopback/],
      ['fe80::1%eth0', /link-local/],
      ['fd00:ec2::254', /unique-local/],
      ['fc00::1', /unique-local/],
      ['ff02::1', /multicast/],
      ['2001:db8::1', /documentation/],
      // IPv4 inside IPv6 is judged as the IPv4 address it stands for.
      ['::ffff:127.0.0.1', /loopback/],
      ['::ffff:7f00:1', /loopback/],
      ['::ffff:169.254.169.254', /link-local/],
      ['64:ff9b::10.0.0.1', /private/],
      ['2002:a9fe:a9fe::1', /link-local/],
      ['::127.0.0.1', /loopback/],
      ['not-an-ip', /not an IP address/],
    ];
    for (const [address, why] of refused) expect(refusalOf(address), address).toMatch(why);
  });

  it('then public unicast addresses pass, including IPv4 mapped into IPv6 and NAT64 of a public one', () => {
    for (const address of [
      '93.184.216.34',
      '8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
    ]) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('then an allow-list opens only the address (and port) it names, and never link-local or metadata', () => {
    const allow = AllowList.parse('127.0.0.1:8080, 10.0.0.5, [::1]:9000');
    expect(allow.allows('127.0.0.1', 8080)).toBe(true);
    expect(allow.allows('127.0.0.1', 8081)).toBe(false);
    expect(allow.allows('10.0.0.5', 443)).toBe(true);
    expect(allow.allows('::1', 9000)).toBe(true);
    expect(allow.allows('::ffff:127.0.0.1', 8080)).toBe(false);
    expect(() => AllowList.parse('169.254.169.254')).toThrow(/never allowed/);
    expect(() => AllowList.parse('[fd00:ec2::254]:80')).toThrow(/never allowed/);
    expect(() => AllowList.parse('localhost:80')).toThrow(/not an IP address/);
  });
});

interface Hit {
  url: string;
  headers: IncomingHttpHeaders;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

async function listen(host: string, handler: (url: string) => Answer) {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ url: req.url ?? '', headers: req.headers });
    const a = handler(req.url ?? '');
    res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, hits, port, origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const s = createServer();
  s.once('error', () => resolve(false)).listen(0, '::1', () => s.close(() => resolve(true)));
});

describe('when a feed URL redirects somewhere it should not go', () => {
  let reports: Awaited<ReturnType<typeof listen>>;
  let internal: Awaited<ReturnType<typeof listen>>;
  let internal6: Awaited<ReturnType<typeof listen>> | undefined;
  let policy: OutboundPolicy;
  const names: Record<string, string> = {};

  beforeAll(async () => {
    // Two local servers: the "public" report host the test allows, and an "internal" one nothing may reach.
    internal = await listen('127.0.0.1', () => ({ status: 200, body: 'internal secrets' }));
    internal6 = ipv6Loopback ? await listen('::1', () => ({ status: 200, body: 'internal secrets' })) : undefined;
    reports = await listen('127.0.0.1', (url): Answer => {
      const to: Record<string, string> = {
        '/to-loopback': `${internal.origin}/admin`,
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
        '/to-metadata-v6': 'http://[fd00:ec2::254]/latest/meta-data/',
        '/to-ipv6-loopback': `http://[::1]:${internal6?.port ?? 9}/admin`,
        '/to-name': `http://internal.example.test:${internal.port}/admin`,
        '/to-file': 'file:///etc/passwd',
        '/chain': '/chain-2',
        '/chain-2': `${internal.origin}/deep`,
        '/elsewhere': `http://reports-mirror.example.test:${reportsPort()}/report.csv`,
      };
      if (to[url]) return { status: 302, headers: { location: to[url]! } };
      if (url === '/report.csv') return { status: 200, headers: { 'content-type': 'text/csv' }, body: 'a,b\n1,2\n' };
      if (url === '/report.csv.gz') return { status: 200, headers: { 'content-encoding': 'gzip' }, body: gzipSync('a,b\n1,2\n') };
      return { status: 404 };
    });
    // A resolver for the test's made-up names: one name leads to loopback, one to the allowed report server.
    names['internal.example.test'] = '127.0.0.1';
    names['reports.example.test'] = '127.0.0.1';
    names['reports-mirror.example.test'] = '127.0.0.1';
    names['split.example.test'] = '93.184.216.34,10.0.0.1';
    policy = {
      allow: new AllowList([`127.0.0.1:${reports.port}`]),
      resolve: async (host) => {
        const found = names[host];
        if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
        return found.split(',').map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      },
    };
  });
  const reportsPort = () => reports.port;

  afterAll(async () => {
    for (const s of [reports, internal, internal6]) if (s) await new Promise((r) => s.server.close(r));
  });

  const refused = (path: string, pattern: RegExp) =>
    expect(fetchPublic(`${reports.origin}${path}`, { policy })).rejects.toSatisfy(
      (e: unknown) => e instanceof RefusedDestinationError && pattern.test(e.message),
    );

  it('then the allowed report server answers, with its body decompressed as fetch would', async () => {
    const res = await fetchPublic(`${reports.origin}/report.csv.gz`, { policy, decompress: true });
    expect(res.status).toBe(200);
    let text = '';
    for await (const chunk of res.body) text += String(chunk);
    expect(text).toBe('a,b\n1,2\n');
  });

  it('then a hop to 127.0.0.1 is refused at that hop, and nothing is fetched there', async () => {
    await refused('/to-loopback', new RegExp(`Refused ${internal.origin}/admin: 127\\.0\\.0\\.1 is a loopback address`));
    await refused('/chain', /127\.0\.0\.1 is a loopback address/);
    expect(internal.hits).toEqual([]);
  });

  it('then a hop to the cloud metadata service (169.254.169.254, fd00:ec2::254) is refused before connecting', async () => {
    await refused(
      '/to-metadata',
      /Refused http:\/\/169\.254\.169\.254\/latest\/meta-data\/iam\/security-credentials\/: 169\.254\.169\.254 is a link-local \(cloud metadata\) address/,
    );
    await refused('/to-metadata-v6', /fd00:ec2::254 is a unique-local \(cloud metadata\) address/);
  });

  it.skipIf(!ipv6Loopback)('then a hop to [::1] is refused, and nothing is fetched there', async () => {
    await refused('/to-ipv6-loopback', /::1 is a loopback address/);
    expect(internal6!.hits).toEqual([]);
  });

  it('then a host name that resolves to a private address is refused, at the start or at a hop, and nothing is fetched there', async () => {
    await refused('/to-name', /internal\.example\.test resolves to 127\.0\.0\.1 is a loopback address/);
    await expect(fetchPublic(`http://internal.example.test:${internal.port}/admin`, { policy })).rejects.toBeInstanceOf(RefusedDestinationError);
    // One private address among public ones is enough to refuse the name.
    await expect(fetchPublic('http://split.example.test/', { policy })).rejects.toThrow(/split\.example\.test resolves to 10\.0\.0\.1 is a private address/);
    expect(internal.hits).toEqual([]);
  });

  it('then a name resolving to the allowed server is fetched, since the address (and port) is what is judged', async () => {
    const res = await fetchPublic(`http://reports.example.test:${reports.port}/report.csv`, { policy });
    expect(res.status).toBe(200);
    res.body.destroy();
  });

  it('then loopback written in other notations (decimal, hex, IPv4-mapped IPv6) is refused as well', async () => {
    for (const url of [
      `http://2130706433:${internal.port}/`,
      `http://0x7f.1:${internal.port}/`,
      `http://[::ffff:7f00:1]:${internal.port}/`,
      `http://[::ffff:127.0.0.1]:${internal.port}/`,
    ]) {
      await expect(fetchPublic(url, { policy }), url).rejects.toThrow(/is a loopback address/);
    }
    expect(internal.hits).toEqual([]);
  });

  it('then a non-http hop is refused', async () => {
    await refused('/to-file', /only http and https/);
  });

  it('then without an allow-list even the test’s own server is refused', async () => {
    const before = reports.hits.length;
    await expect(fetchPublic(`${reports.origin}/report.csv`)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    expect(reports.hits.length).toBe(before);
  });

  it('then the caller’s headers go to its own origin only, never to another one a redirect names', async () => {
    reports.hits.length = 0;
    const res = await fetchPublic(`${reports.origin}/elsewhere`, { policy, headers: { authorization: 'Bearer feed-secret', 'x-api-key': 'k' } });
    res.body.destroy();
    expect(reports.hits.map((h) => h.url)).toEqual(['/elsewhere', '/report.csv']);
    expect(reports.hits[0]!.headers).toMatchObject({ authorization: 'Bearer feed-secret', 'x-api-key': 'k' });
    expect(reports.hits[1]!.headers.authorization).toBeUndefined();
    expect(reports.hits[1]!.headers['x-api-key']).toBeUndefined();
  });
});
