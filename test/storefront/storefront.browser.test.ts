// A follower's phone, for real: Debian's chromium opens a storefront served by the app, and a tap on a product
// goes through /l/<code> to the tagged Amazon page. Amazon is answered locally; nothing leaves this machine.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { addToStorefront } from '../../src/domain/storefront/storefronts.ts';
import { setProductOverride, setProfile } from '../../src/domain/catalogue/overrides.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startTestApp, testDb } from '../support/env.ts';
import { randomAsin, seedEarning, seedInfluencer } from '../support/fixtures.ts';
import { waitFor } from '../support/wait.ts';

const CHROMIUM = '/usr/bin/chromium';
const DISCLOSURE = 'As an Amazon Associate I earn from qualifying purchases.';
const MOBILE = { width: 375, height: 812 };
// A follower's phone browser. Headless Chromium announces itself as "HeadlessChrome", which is (rightly) counted as a bot.
const MOBILE_CHROME_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
// 1×1 transparent PNG, served for product images so pages lay out as they would with real images.
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

let app: Runtime & { url: string };
let db: Db;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the storefront browser test needs it (apt-get install chromium).`);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  app = await startTestApp();
  db = testDb();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await db?.destroy();
});

interface Phone {
  context: BrowserContext;
  page: Page;
  /** Every page the browser loaded from amazon.com, answered locally. */
  amazon: string[];
  /** Every request to any other outside host, refused. */
  refused: string[];
  /** Console messages of the page (Chromium reports Content-Security-Policy violations there). */
  console: string[];
  /** securitypolicyviolation events the page saw: "<directive> <blocked URI>". */
  violations(): Promise<string[]>;
}

const AMAZON_STUB = '<!doctype html><title>Amazon.com (stub)</title><h1>Amazon product page</h1>';

/**
 * A fresh phone whose network stays on this machine. Interception is done with the DevTools Fetch domain rather than
 * page.route(): Playwright never routes a request that is the target of a redirect (it continues it to the network,
 * which fails here with ERR_NAME_NOT_RESOLVED), and the hop /l/<code> → amazon.com is exactly such a redirect.
 * Fetch.requestPaused does see that hop, so Amazon is answered locally and its URL recorded.
 */
async function openPhone(opts: { viewport?: { width: number; height: number }; desktop?: boolean; images?: Map<string, Buffer> } = {}): Promise<Phone> {
  const context = await browser.newContext(
    opts.desktop
      ? { viewport: opts.viewport ?? { width: 1280, height: 900 }, deviceScaleFactor: 1 }
      : { viewport: opts.viewport ?? MOBILE, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: MOBILE_CHROME_UA },
  );
  // Injected by the browser itself (not subject to the page's CSP): records every violation the page reports.
  await context.addInitScript(
    "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
  );
  const page = await context.newPage();
  const consoleLines: string[] = [];
  page.on('console', (m) => void consoleLines.push(`${m.type()}: ${m.text()}`));
  const amazon: string[] = [];
  const refused: string[] = [];
  const cdp = await context.newCDPSession(page);
  const ok = (p: Promise<unknown>) => void p.catch(() => undefined); // the page may be gone by the time we answer
  cdp.on('Fetch.requestPaused', (event) => {
    const { requestId, request, resourceType } = event;
    const host = new URL(request.url).hostname;
    if (host === '127.0.0.1') {
      ok(cdp.send('Fetch.continueRequest', { requestId }));
    } else if (host === 'www.amazon.com' && resourceType === 'Document') {
      amazon.push(request.url);
      ok(
        cdp.send('Fetch.fulfillRequest', {
          requestId,
          responseCode: 200,
          responseHeaders: [{ name: 'content-type', value: 'text/html; charset=utf-8' }],
          body: Buffer.from(AMAZON_STUB).toString('base64'),
        }),
      );
    } else if (host === 'www.amazon.com') {
      ok(cdp.send('Fetch.fulfillRequest', { requestId, responseCode: 404, responseHeaders: [], body: '' })); // its favicon
    } else if (opts.images?.has(request.url)) {
      ok(
        cdp.send('Fetch.fulfillRequest', {
          requestId,
          responseCode: 200,
          responseHeaders: [{ name: 'content-type', value: 'image/png' }],
          body: opts.images.get(request.url)!.toString('base64'),
        }),
      );
    } else if (host === 'm.media-amazon.com') {
      ok(
        cdp.send('Fetch.fulfillRequest', {
          requestId,
          responseCode: 200,
          responseHeaders: [{ name: 'content-type', value: 'image/png' }],
          body: PIXEL.toString('base64'),
        }),
      );
    } else {
      refused.push(request.url);
      ok(cdp.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' }));
    }
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*' }] });
  const violations = async () => (await page.evaluate('window.__cspViolations ?? []')) as string[];
  return { context, page, amazon, refused, console: consoleLines, violations };
}

describe('storefront in a mobile browser', () => {
  describe('when a follower opens a storefront on a 375px-wide phone and taps a product', () => {
    const LONG_WORD = 'Supercalifragilisticexpialidocious'.repeat(3); // 102 characters, no place to break
    const LONG_URL = 'https://example.com/AdaLovelaceKitchenAndTravelFavouritesUpdatedEveryWeek2026';
    const seeds = [
      { list: 'Kitchen', title: 'Cast Iron Skillet 12 inch', priceMinor: 2499, price: '$24.99', image: true },
      { list: 'Kitchen', title: `Chef knife ${LONG_WORD}`, priceMinor: 123456, price: '$1,234.56', image: false },
      { list: 'Travel gear', title: 'Noise Cancelling Headphones', priceMinor: 9900, price: '$99.00', image: true },
    ];
    let handle: string;
    let trackingId: string;
    const products: Array<{ title: string; asin: string; price: string; list: string; code: string; linkId: number }> = [];
    let phone: Phone;
    let pageHeaders: Record<string, string>;

    beforeAll(async () => {
      const seeded = await seedInfluencer(db, { displayName: 'Ada Lovelace' });
      handle = seeded.handle;
      trackingId = seeded.trackingId.trackingId;
      await db
        .updateTable('influencers')
        .set({ bio: `Things I use every day. All of them: ${LONG_URL}` })
        .where('id', '=', seeded.influencer.id)
        .execute();
      for (const s of seeds) {
        const asin = randomAsin();
        const { link } = await addToStorefront(db, {
          influencerId: seeded.influencer.id,
          ref: { asin, marketplace: 'US' },
          listName: s.list,
          details: {
            title: s.title,
            priceMinor: s.priceMinor,
            currency: 'USD',
            imageUrl: s.image ? `https://m.media-amazon.com/images/I/${asin}.jpg` : undefined,
          },
        });
        products.push({ title: s.title, asin, price: s.price, list: s.list, code: link.code, linkId: link.id });
      }
      phone = await openPhone();
      const res = await phone.page.goto(`${app.url}/s/${handle}`);
      expect(res?.status()).toBe(200);
      pageHeaders = await res!.allHeaders();
    });

    afterAll(async () => {
      await phone?.context.close();
    });

    it('then the page shows the storefront heading and the disclosure before any product', async () => {
      const { page } = phone;
      await expect(page.title()).resolves.toBe("Ada Lovelace's storefront");
      const h1 = page.getByRole('heading', { level: 1 });
      expect(await h1.innerText()).toBe("Ada Lovelace's storefront");
      expect(await h1.isVisible()).toBe(true);
      const disclosure = page.locator('header').getByText(DISCLOSURE, { exact: true });
      expect(await disclosure.isVisible()).toBe(true);
      // Conspicuous: on screen without scrolling, and above the first product.
      const box = await disclosure.boundingBox();
      const firstCard = await page.locator('article').first().boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThanOrEqual(MOBILE.height);
      expect(box!.y).toBeLessThan(firstCard!.y);
    });

    it('then it renders under its Content-Security-Policy: styled, images shown, and no violation reported', async () => {
      const { page } = phone;
      expect(pageHeaders['content-security-policy']).toMatch(/default-src 'none'/);
      expect(pageHeaders['content-security-policy']).toMatch(/img-src https:/);
      expect(pageHeaders['content-security-policy']).not.toMatch(/unsafe-inline|script-src/);
      await page.waitForLoadState('load');
      // The inline <style> applied (allowed by its hash), and the remote https product images loaded.
      expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(246, 247, 249)');
      const images = page.locator('article img');
      expect(await images.count()).toBe(2);
      for (const img of await images.all()) {
        await img.scrollIntoViewIfNeeded();
        await expect
          .poll(
            () =>
              img.evaluate(
                (el) => (el as unknown as { complete: boolean; naturalWidth: number }).complete && (el as unknown as { naturalWidth: number }).naturalWidth > 0,
              ),
            { timeout: 5000 },
          )
          .toBe(true);
      }
      expect(await phone.violations()).toEqual([]);
      expect(phone.console.filter((l) => /Content.Security.Policy|Refused to/i.test(l))).toEqual([]);
    });

    it('then every list is a named section holding its product cards, with title and price', async () => {
      const { page } = phone;
      for (const list of ['Kitchen', 'Travel gear']) {
        const region = page.getByRole('region', { name: list, exact: true });
        expect(await region.isVisible()).toBe(true);
        const mine = products.filter((p) => p.list === list);
        const cards = region.locator('article');
        expect(await cards.count()).toBe(mine.length);
        for (const [i, p] of mine.entries()) {
          const card = cards.nth(i);
          expect(await card.getByRole('heading', { level: 3 }).innerText()).toBe(p.title);
          expect(await card.getByText(p.price, { exact: true }).isVisible()).toBe(true);
        }
      }
    });

    it('then nothing is wider than the phone, even a bio with a long link and a title with a 102-character word', async () => {
      const { page } = phone;
      const widths = (await page.evaluate('[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]')) as number[];
      expect(widths[2]).toBe(MOBILE.width);
      expect(widths[0]).toBeLessThanOrEqual(MOBILE.width);
      expect(widths[1]).toBeLessThanOrEqual(MOBILE.width);
      expect(await page.getByText(LONG_URL).isVisible()).toBe(true);
      for (const card of await page.locator('article, header p, h1, h2').all()) {
        const box = await card.boundingBox();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(MOBILE.width);
      }
    });

    it('then every product button has an accessible name that says which product it opens', async () => {
      const { page } = phone;
      expect(await page.locator('a.buy').count()).toBe(products.length);
      for (const p of products) {
        const button = page.getByRole('link', { name: `View on Amazon: ${p.title}`, exact: true });
        expect(await button.count()).toBe(1);
        expect(await button.getAttribute('href')).toBe(`/l/${p.code}`);
        expect(await button.isVisible()).toBe(true);
      }
    });

    it('then the tap goes through /l/<code> (302) to exactly the tagged Amazon URL, and the click is recorded', async () => {
      const { page, amazon } = phone;
      const product = products[2]!;
      const expected = `https://www.amazon.com/dp/${product.asin}?tag=${trackingId}`;
      const [redirect] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === `/l/${product.code}`, { timeout: 10_000 }),
        page.getByRole('link', { name: `View on Amazon: ${product.title}`, exact: true }).tap({ timeout: 5000 }),
      ]);
      expect(redirect.status()).toBe(302);
      expect(await redirect.headerValue('location')).toBe(expected);
      await page.waitForURL(expected, { timeout: 10_000 });
      expect(page.url()).toBe(expected);
      expect(amazon).toEqual([expected]);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Amazon product page');
      expect(phone.refused).toEqual([]);

      // The click is written after the redirect, by the click buffer (flushing every 50 ms in tests).
      const clicks = await waitFor(
        () => db.selectFrom('clicks').select(['kind', 'device']).where('link_id', '=', product.linkId).execute(),
        (rows) => rows.length > 0,
        5000,
      );
      expect(clicks).toEqual([{ kind: 'click', device: 'mobile' }]);
      // Only the tapped product was clicked.
      const others = await db
        .selectFrom('clicks')
        .select('id')
        .where(
          'link_id',
          'in',
          products.slice(0, 2).map((p) => p.linkId),
        )
        .execute();
      expect(others).toEqual([]);
    });
  });

  describe('when an influencer has put markup in their name, bio, list and product title', () => {
    it('then the browser shows it as text and runs none of it', async () => {
      const payload = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=1;alert(1)</script>';
      const { influencer, handle } = await seedInfluencer(db, { displayName: `Eve ${payload}`.slice(0, 100) });
      await db
        .updateTable('influencers')
        .set({ bio: `"><svg onload="window.__pwned=1">${payload}` })
        .where('id', '=', influencer.id)
        .execute();
      await addToStorefront(db, {
        influencerId: influencer.id,
        ref: { asin: randomAsin(), marketplace: 'US' },
        listName: '<b onmouseover=alert(1)>Picks</b>',
        details: { title: payload },
      });
      const phone = await openPhone();
      try {
        const dialogs: string[] = [];
        phone.page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        await phone.page.goto(`${app.url}/s/${handle}`);
        await phone.page.waitForLoadState('load');
        expect(dialogs).toEqual([]);
        expect(await phone.page.evaluate('window.__pwned === undefined')).toBe(true);
        expect(await phone.page.locator('script, svg, img[src="x"], b').count()).toBe(0);
        expect(await phone.page.getByRole('heading', { level: 3 }).innerText()).toBe(payload);
        expect(await phone.page.getByRole('heading', { level: 2 }).innerText()).toBe('<b onmouseover=alert(1)>Picks</b>');
        expect(await phone.page.getByRole('heading', { level: 1 }).innerText()).toContain('Eve <img src=x');
        expect(await phone.violations()).toEqual([]);
      } finally {
        await phone.context.close();
      }
    });
  });
});

/** A product photo stand-in: a coloured square with a simple shape, drawn here (no image from anywhere else). */
function pictureOf(fill: string, shape: string): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400" fill="#ffffff"/><rect x="60" y="60" width="280" height="280" rx="40" fill="${fill}"/>${shape}</svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: false } }).render().asPng();
}

describe('storefront page with catalogue data, on a phone and on a desktop', () => {
  const H = 3_600_000;
  const asins = { api: randomAsin(), override: randomAsin(), ledger: randomAsin(), nothing: randomAsin(), gone: randomAsin(), api2: randomAsin() };
  const images = new Map<string, Buffer>([
    [
      'https://images.example.com/ada.png',
      pictureOf('#7c3aed', '<circle cx="200" cy="170" r="60" fill="#fff"/><rect x="110" y="250" width="180" height="90" rx="45" fill="#fff"/>'),
    ],
    [`https://m.media-amazon.com/images/I/${asins.api}.png`, pictureOf('#2563eb', '<rect x="140" y="120" width="120" height="170" rx="20" fill="#e5e7eb"/>')],
    [`https://m.media-amazon.com/images/I/${asins.api2}.png`, pictureOf('#059669', '<circle cx="200" cy="200" r="90" fill="#d1fae5"/>')],
    [
      'https://images.example.com/pan.png',
      pictureOf('#1f2937', '<circle cx="180" cy="200" r="80" fill="#6b7280"/><rect x="250" y="190" width="90" height="20" fill="#6b7280"/>'),
    ],
    [`https://m.media-amazon.com/images/I/${asins.gone}.png`, pictureOf('#b45309', '<rect x="150" y="110" width="100" height="190" rx="10" fill="#fde68a"/>')],
  ]);
  let handle: string;

  beforeAll(async () => {
    const s = await seedInfluencer(db, { displayName: 'Ada Lovelace' });
    handle = s.handle;
    await setProfile(db, s.influencer.id, {
      bio: 'Home cook, slow traveller. Everything here is something I use every week.',
      avatarUrl: 'https://images.example.com/ada.png',
    });
    const add = (asin: string, list: string) => addToStorefront(db, { influencerId: s.influencer.id, ref: { asin, marketplace: 'US' }, listName: list });
    const fromApi = async (
      asin: string,
      list: string,
      data: { title: string; price?: number; availability: string; health: 'available' | 'unavailable'; ageMs: number },
    ) => {
      const { product } = await add(asin, list);
      await db
        .insertInto('catalogue_entries')
        .values({
          product_id: product.id,
          state: 'ok',
          title: data.title,
          image_url: `https://m.media-amazon.com/images/I/${asin}.png`,
          price_minor: data.price ?? null,
          currency: data.price ? 'USD' : null,
          availability: data.availability,
          health: data.health,
          fetched_at: new Date(Date.now() - data.ageMs),
          next_attempt_at: new Date(Date.now() + 20 * H),
        })
        .execute();
    };
    await fromApi(asins.api, 'Kitchen', {
      title: 'Stainless Steel Electric Kettle, 1.7 Litre, Quiet Boil with Auto Shut-Off',
      price: 3499,
      availability: 'In Stock',
      health: 'available',
      ageMs: 2 * H,
    });
    await add(asins.override, 'Kitchen');
    await setProductOverride(db, {
      influencerId: s.influencer.id,
      asin: asins.override,
      title: 'My everyday cast-iron pan',
      imageUrl: 'https://images.example.com/pan.png',
      note: 'Ten years old and better every year. Heat it slowly.',
    });
    await fromApi(asins.api2, 'Kitchen', {
      title: 'Silicone Spatula Set (3 pieces)',
      price: 1299,
      availability: 'In Stock',
      health: 'available',
      ageMs: 20 * 60_000,
    });
    await add(asins.ledger, 'Travel');
    await seedEarning(db, handle, 150, { asin: asins.ledger, name: 'Packing Cubes, Set of 6, Lightweight Travel Organisers' });
    await add(asins.nothing, 'Travel');
    await fromApi(asins.gone, 'Travel', {
      title: 'Pour-over Coffee Grinder',
      availability: 'Currently unavailable.',
      health: 'unavailable',
      ageMs: 30 * 60_000,
    });
  });

  for (const [label, width, desktop] of [
    ['390', 390, false],
    ['1280', 1280, true],
  ] as const) {
    it(`then at ${width}px every card shows its source's data, nothing overflows or jumps, and a screenshot is saved`, async () => {
      const phone = await openPhone({ viewport: { width, height: desktop ? 900 : 844 }, desktop, images });
      try {
        const { page } = phone;
        const res = await page.goto(`${app.url}/s/${handle}`);
        expect(res?.status()).toBe(200);
        await page.waitForLoadState('load');
        // Lazy images below the fold: scroll them in and wait until every one has loaded.
        for (const img of await page.locator('article img').all()) {
          await img.scrollIntoViewIfNeeded();
          await expect
            .poll(
              () =>
                img.evaluate(
                  (el) =>
                    (el as unknown as { complete: boolean; naturalWidth: number }).complete && (el as unknown as { naturalWidth: number }).naturalWidth > 0,
                ),
              { timeout: 5000 },
            )
            .toBe(true);
        }
        await page.evaluate('window.scrollTo(0, 0)');
        const titles = await page.getByRole('heading', { level: 3 }).allInnerTexts();
        expect(titles).toEqual([
          'Stainless Steel Electric Kettle, 1.7 Litre, Quiet Boil with Auto Shut-Off',
          'My everyday cast-iron pan',
          'Silicone Spatula Set (3 pieces)',
          'Packing Cubes, Set of 6, Lightweight Travel Organisers',
          `Amazon product ${asins.nothing}`,
          'Pour-over Coffee Grinder',
        ]);
        const cards = page.locator('article');
        expect(await cards.nth(0).getByText('$34.99', { exact: true }).isVisible()).toBe(true);
        expect(
          await cards
            .nth(0)
            .getByText(/^Price as of .* UTC$/)
            .isVisible(),
        ).toBe(true);
        expect(await cards.nth(0).getByText('Price details').isVisible()).toBe(true); // the disclaimer, past an hour
        expect(await cards.nth(2).getByText('Price details').count()).toBe(0); // 20 minutes old: none
        expect(await cards.nth(1).getByText('Ten years old and better every year. Heat it slowly.').isVisible()).toBe(true);
        expect(await cards.nth(4).getByText(`ASIN ${asins.nothing}`).isVisible()).toBe(true);
        expect(await cards.nth(5).locator('p.avail').innerText()).toBe('Currently unavailable');
        expect(await cards.nth(5).locator('p.avail').isVisible()).toBe(true);
        // The disclosure is on screen before any product.
        const disclosure = await page.locator('header').getByText('As an Amazon Associate I earn from qualifying purchases.', { exact: true }).boundingBox();
        expect(disclosure!.y).toBeLessThan((await cards.first().boundingBox())!.y);
        // Every picture box is square whatever it holds (image, placeholder), so nothing moves when images arrive.
        for (const media of await page.locator('.media').all()) {
          const box = (await media.boundingBox())!;
          expect(Math.abs(box.width - box.height)).toBeLessThan(1.5);
        }
        const widths = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as number[];
        expect(widths[0]).toBeLessThanOrEqual(widths[1]!);
        // Two columns on the phone. The desktop shows each list of three in three columns, no empty column beside
        // them, and the block centred on the screen with cards of a product-card size.
        const columns = (await page.evaluate("getComputedStyle(document.querySelector('#list-1 ul')).gridTemplateColumns.split(' ').length")) as number;
        expect(columns).toBe(desktop ? 3 : 2);
        if (desktop) {
          const boxes = await Promise.all((await cards.all()).slice(0, 3).map(async (c) => (await c.boundingBox())!));
          const left = boxes[0]!.x;
          const right = width - (boxes[2]!.x + boxes[2]!.width);
          expect(Math.abs(left - right)).toBeLessThan(2);
          for (const b of boxes) expect(b.width > 220 && b.width < 300, `card width ${b.width}`).toBe(true);
        }
        expect(await phone.violations()).toEqual([]);
        expect(phone.refused).toEqual([]);
        mkdirSync('docs/screenshots', { recursive: true });
        writeFileSync(`docs/screenshots/storefront-${label}.png`, await page.screenshot({ fullPage: true }));
      } finally {
        await phone.context.close();
      }
    });
  }
});
