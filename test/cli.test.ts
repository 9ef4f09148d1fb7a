import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runCliCaptured } from './support/cli.ts';
import { randomAsin } from './support/fixtures.ts';
import { testDb, unique } from './support/env.ts';

// A product no other test file touches: products are shared across storefronts, so titles could differ.
const ASIN = randomAsin();
const db = testDb();
afterAll(() => db.destroy());

const cli = (...args: string[]) => runCliCaptured(args, { DATABASE_URL: inject('databaseUrl'), PUBLIC_BASE_URL: 'https://go.example.com' });

const json = (s: string) => JSON.parse(s) as Record<string, unknown>;

describe('when an operator uses the CLI', () => {
  it('then an influencer is created with a storefront URL, and --json is machine-readable', async () => {
    const handle = unique('cli');
    const r = await cli(
      'influencer',
      'create',
      '--handle',
      handle,
      '--name',
      'Jane Doe',
      '--tracking-id',
      `${handle}-21`,
      '--marketplace',
      'amazon.co.uk',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(json(r.out)).toMatchObject({
      handle,
      name: 'Jane Doe',
      trackingId: `${handle}-21`,
      marketplace: 'UK',
      storefrontUrl: `https://go.example.com/s/${handle}`,
    });
    const text = await cli('influencer', 'create', '--handle', unique('cli'), '--name', 'X', '--tracking-id', `${unique('x')}-20`);
    expect(text.out).toMatch(/^Created @.* \(tracking ID .*-20 on US\)\.\nStorefront: https:\/\/go\.example\.com\/s\//);
  });

  it('then duplicate handles and tracking IDs are refused and change nothing', async () => {
    const handle = unique('dup');
    expect((await cli('influencer', 'create', '--handle', handle, '--name', 'A', '--tracking-id', `${handle}-20`)).code).toBe(0);
    const otherHandle = unique('o');
    // Other test files create influencers in parallel: count only what this test could have created.
    const count = async () =>
      Number(
        (
          await db
            .selectFrom('influencers')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('handle', 'in', [handle, otherHandle])
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const sameHandle = await cli('influencer', 'create', '--handle', handle.toUpperCase(), '--name', 'B', '--tracking-id', `${otherHandle}-20`);
    expect(sameHandle).toMatchObject({ code: 1, err: expect.stringContaining(`@${handle} is already taken`) });
    const sameTag = await cli('influencer', 'create', '--handle', otherHandle, '--name', 'C', '--tracking-id', `${handle}-20`);
    expect(sameTag).toMatchObject({ code: 1, err: expect.stringContaining('already registered') });
    expect(await count()).toBe(before);
  });

  it('then bad input gets a clear message and exit code', async () => {
    expect(await cli('influencer', 'create', '--handle', 'ok')).toMatchObject({ code: 2, err: expect.stringMatching(/Missing --name, --tracking-id/) });
    expect(await cli('influencer', 'create', '--handle', '😀', '--name', 'x', '--tracking-id', 'x-20')).toMatchObject({
      code: 1,
      err: expect.stringContaining('A handle is'),
    });
    expect(await cli('influencer', 'create', '--handle', unique('h'), '--name', 'x', '--tracking-id', 'nope')).toMatchObject({
      code: 1,
      err: expect.stringContaining('is not a tracking ID'),
    });
    expect(await cli('influencer', 'create', '--handle', unique('h'), '--name', 'x', '--tracking-id', 'x-20', '--marketplace', 'mars')).toMatchObject({
      code: 1,
      err: expect.stringContaining('Unknown marketplace'),
    });
    expect(await cli('influencer', 'create', '--bogus')).toMatchObject({ code: 2, err: expect.stringContaining('Usage: npm run cli -- influencer create') });
    expect(await cli('frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining("Error: unknown command 'frobnicate'") });
    expect((await cli('link', 'create', '--help')).out).toContain('--campaign');
    expect((await cli('--help')).out).toMatch(/influencer create[\s\S]*storefront add[\s\S]*link create/);
  });

  it('then products are added to lists and links are reused per campaign', async () => {
    const handle = unique('shop');
    await cli('influencer', 'create', '--handle', handle, '--name', 'Shop', '--tracking-id', `${handle}-20`);
    const added = await cli(
      'storefront',
      'add',
      '--handle',
      handle,
      '--product',
      `https://www.amazon.com/Some-Thing/dp/${ASIN}/ref=sr_1_1?tag=other-20`,
      '--list',
      'Desk setup',
      '--title',
      'MX Master 3',
      '--price',
      '99.99',
      '--json',
    );
    expect(added.code).toBe(0);
    expect(json(added.out)).toMatchObject({ asin: ASIN, marketplace: 'US', list: 'Desk setup', added: true, title: 'MX Master 3' });
    const product = await db.selectFrom('products').selectAll().where('asin', '=', ASIN).where('marketplace', '=', 'US').executeTakeFirstOrThrow();
    expect(product).toMatchObject({ price_minor: 9999, currency: 'USD' });
    expect((await cli('storefront', 'add', '--handle', handle, '--product', ASIN, '--list', 'desk SETUP')).out).toMatch(
      /^Already in MX Master 3 list "Desk setup"/,
    );

    const a = json((await cli('link', 'create', '--handle', handle, '--product', ASIN, '--campaign', 'tiktok', '--json')).out);
    const b = json((await cli('link', 'create', '--handle', handle, '--product', `https://amazon.com/dp/${ASIN}`, '--campaign', 'tiktok', '--json')).out);
    expect(a).toMatchObject({ created: true, destination: `https://www.amazon.com/dp/${ASIN}?tag=${handle}-20`, campaign: 'tiktok' });
    expect(b).toMatchObject({ created: false, code: a.code, shortUrl: `https://go.example.com/l/${String(a.code)}` });
  });

  it('then a product on a store without a tracking ID is refused and nothing is stored', async () => {
    const handle = unique('nouk');
    await cli('influencer', 'create', '--handle', handle, '--name', 'No UK', '--tracking-id', `${handle}-20`);
    const asin =
      'B0' +
      unique('')
        .toUpperCase()
        .replace(/[^A-Z0-9]/g, '')
        .padEnd(8, 'X')
        .slice(-8);
    const r = await cli('link', 'create', '--handle', handle, '--product', `https://www.amazon.co.uk/dp/${asin}`);
    expect(r).toMatchObject({ code: 1, err: expect.stringContaining('no tracking ID for amazon.co.uk') });
    expect(await db.selectFrom('products').select('id').where('asin', '=', asin).execute()).toHaveLength(0);
    const s = await cli('storefront', 'add', '--handle', handle, '--product', `https://www.amazon.co.uk/dp/${asin}`);
    expect(s.code).toBe(1);
    expect(await db.selectFrom('products').select('id').where('asin', '=', asin).execute()).toHaveLength(0);
    expect(await cli('link', 'create', '--handle', 'nobody-here', '--product', asin)).toMatchObject({
      code: 1,
      err: expect.stringContaining('No storefront has the handle @nobody-here'),
    });
  });

  it('then the demo seeds a storefront and prints its URL and short links, and can run again', async () => {
    const first = await cli('demo');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^Demo storefront: https:\/\/go\.example\.com\/s\/demo\nShort links:\n {2}https:\/\/go\.example\.com\/l\/[0-9A-Za-z]{8} {2}\S/);
    const second = await cli('demo', '--json');
    expect(json(second.out)).toMatchObject({ storefrontUrl: 'https://go.example.com/s/demo' });
    const links = (json(second.out).links as Array<{ shortUrl: string }>).map((l) => l.shortUrl);
    for (const l of links) expect(first.out).toContain(l);
  });
});
