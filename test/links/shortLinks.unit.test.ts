import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProductInput } from '../../src/domain/amazon/productInput.ts';
import { createShortLinkResolver } from '../../src/domain/amazon/shortLinks.ts';
import { AllowList } from '../../src/domain/net/publicAddress.ts';

// A local stand-in for amzn.to / a.co: each path answers as the real shortener would.
const routes: Record<string, { status: number; location?: string; delayMs?: number }> = {
  '/good': { status: 301, location: 'https://www.amazon.com/Echo-Dot/dp/B08N5WRWNW/ref=xyz?tag=someone-20' },
  '/uk': { status: 302, location: 'https://www.amazon.co.uk/dp/B07PXGQC1Q?tag=x-21' },
  '/hop': { status: 301, location: 'https://a.co/d/second' },
  '/d/second': { status: 301, location: 'https://www.amazon.de/gp/product/B01NAI6U8T' },
  '/evil': { status: 301, location: 'https://amazon.com.evil.io/dp/B08N5WRWNW' },
  '/notproduct': { status: 301, location: 'https://www.amazon.com/s?k=dots' },
  '/gone': { status: 404 },
  '/slow': { status: 301, location: 'https://www.amazon.com/dp/B08N5WRWNW', delayMs: 2000 },
  '/loop': { status: 301, location: 'https://amzn.to/loop' },
};

let server: Server;
let origin: string;
/** The local stand-in is a loopback address: reachable only because the test allows exactly it. */
let allow: AllowList;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.headers.host} ${req.url}`);
    const r = routes[req.url ?? ''];
    const answer = () => {
      if (!r) return res.writeHead(404).end();
      res.writeHead(r.status, r.location ? { location: r.location } : {}).end();
    };
    if (r?.delayMs) setTimeout(answer, r.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  allow = new AllowList([`127.0.0.1:${(server.address() as AddressInfo).port}`]);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function resolve(input: string, timeoutMs = 1000) {
  const parsed = parseProductInput(input);
  if (parsed.kind !== 'short') throw new Error('expected a short link');
  return createShortLinkResolver({ timeoutMs, originFor: () => origin, outbound: { allow } })(parsed.url);
}

describe('when an influencer pastes a short link', () => {
  it('then the redirect is followed to the product, on the right marketplace', async () => {
    await expect(resolve('https://amzn.to/good')).resolves.toEqual({ asin: 'B08N5WRWNW', marketplace: 'US' });
    await expect(resolve('https://amzn.eu/uk')).resolves.toEqual({ asin: 'B07PXGQC1Q', marketplace: 'UK' });
  });

  it('then a chain of short links is followed hop by hop without fetching Amazon itself', async () => {
    seen.length = 0;
    await expect(resolve('https://amzn.to/hop')).resolves.toEqual({ asin: 'B01NAI6U8T', marketplace: 'DE' });
    expect(seen).toHaveLength(2);
  });

  it('then a short link leading anywhere but an Amazon product is refused', async () => {
    await expect(resolve('https://amzn.to/evil')).rejects.toMatchObject({ code: 'not_amazon_product' });
    await expect(resolve('https://amzn.to/notproduct')).rejects.toMatchObject({ code: 'not_amazon_product' });
    await expect(resolve('https://amzn.to/gone')).rejects.toMatchObject({ code: 'short_link_failed' });
  });

  it('then a slow shortener times out with a clear message', async () => {
    await expect(resolve('https://amzn.to/slow', 200)).rejects.toMatchObject({ code: 'short_link_failed', message: expect.stringMatching(/timed out/) });
  });

  it('then a redirect loop ends with an error instead of spinning', async () => {
    await expect(resolve('https://amzn.to/loop')).rejects.toMatchObject({ code: 'not_amazon_product' });
  });
});

describe('when a short-link host resolves to a private address', () => {
  it('then nothing is fetched there and the influencer is told to paste the full link', async () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '169.254.169.254', '::1', 'fd00:ec2::254']) {
      const resolver = createShortLinkResolver({ timeoutMs: 1000, outbound: { resolve: async () => [{ address, family: address.includes(':') ? 6 : 4 }] } });
      const parsed = parseProductInput('https://amzn.to/good');
      if (parsed.kind !== 'short') throw new Error('expected a short link');
      seen.length = 0;
      await expect(resolver(parsed.url)).rejects.toMatchObject({ code: 'short_link_failed', message: expect.stringMatching(/address we do not fetch/) });
      expect(seen).toEqual([]);
    }
  });

  it('then even the local stand-in is refused when the test does not allow it', async () => {
    seen.length = 0;
    const parsed = parseProductInput('https://amzn.to/good');
    if (parsed.kind !== 'short') throw new Error('expected a short link');
    await expect(createShortLinkResolver({ timeoutMs: 1000, originFor: () => origin })(parsed.url)).rejects.toMatchObject({ code: 'short_link_failed' });
    expect(seen).toEqual([]);
  });
});
