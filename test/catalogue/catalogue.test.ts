// The catalogue against the fake Creators API and a real Postgres, on a fake clock: batching, throttling, accounts
// without access, unknown ASINs, junk answers, and what a storefront then shows (overrides > API > ledger).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretBoxFor } from '../../src/secrets/secretBox.ts';
import { recordCredentialOutcome, setOrganisationCredentials, credentialStatus } from '../../src/domain/catalogue/credentials.ts';
import { getCatalogueStorefront } from '../../src/domain/catalogue/resolve.ts';
import { refreshDue, fillProducts, type CatalogueFetchDeps } from '../../src/domain/catalogue/refresh.ts';
import { setProductOverride, setProfile } from '../../src/domain/catalogue/overrides.ts';
import { RequestBudget } from '../../src/domain/catalogue/requestBudget.ts';
import { addToStorefront } from '../../src/domain/storefront/storefronts.ts';
import { catalogueFetchDeps } from '../../jobs/catalogue/processor.ts';
import { randomAsin, seedEarning, seedInfluencer } from '../support/fixtures.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FakeCreatorsApi } from '../support/fakeCreatorsApi.ts';

const db = testDb();
const config = testConfig();
const box = secretBoxFor(config);
let fake: FakeCreatorsApi;
const H = 3_600_000;

beforeAll(async () => {
  fake = await FakeCreatorsApi.start();
});
afterAll(async () => {
  await fake.close();
  await db.destroy();
});

/** An organisation with its own credential (on the fake), an influencer, and `count` products in their storefront. */
async function setup(count: number, opts: { known?: boolean } = {}) {
  const { influencer, handle, organisationId } = await seedInfluencer(db);
  const credentialId = unique('cred');
  fake.addCredential(credentialId, 'shh');
  await setOrganisationCredentials(db, box, { organisationId, credentialId, credentialSecret: 'shh', version: '3.1', partnerTag: `${handle}-20` });
  const asins = Array.from({ length: count }, () => randomAsin());
  for (const [i, asin] of asins.entries()) {
    if (opts.known !== false) fake.addProduct(asin, { title: `Product ${i}`, price: 10 + i, imageUrl: `https://m.media-amazon.com/images/I/${asin}.jpg` });
    await addToStorefront(db, { influencerId: influencer.id, ref: { asin, marketplace: 'US' } });
  }
  // A fake clock: the budget's waits move it instead of sleeping.
  let now = Date.now();
  const waits: number[] = [];
  const clock = { now: () => new Date(now), advance: (ms: number) => (now += ms), waits };
  const budget = new RequestBudget({
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  });
  const deps: CatalogueFetchDeps = catalogueFetchDeps({ db, box, config: { AMAZON_CREATORS_API_URL: fake.url }, budget, now: clock.now });
  const ourCalls = () => fake.getItemsCalls.filter((c) => (c.body?.itemIds as string[] | undefined)?.some((a) => asins.includes(a)));
  return { influencer, handle, organisationId, credentialId, asins, clock, deps, ourCalls };
}

const showAll = async (influencerId: number, now: Date) => (await getCatalogueStorefront(db, influencerId, now))!.lists.flatMap((l) => l.items);

describe('catalogue refresh', () => {
  it('when 25 products are due, then Amazon is asked in 3 calls of at most 10, paced at one a second, and all 25 get details', async () => {
    const s = await setup(25);
    const r = await fillProducts(s.deps, []).then(() => refreshDue(s.deps, { organisationIds: [s.organisationId] }));
    expect(r).toMatchObject({ requests: 3, fetched: 25, unknown: 0 });
    expect(s.ourCalls().map((c) => (c.body!.itemIds as string[]).length)).toEqual([10, 10, 5]);
    expect(s.clock.waits).toEqual([1000, 1000]);
    const items = await showAll(s.influencer.id, s.clock.now());
    expect(items.every((i) => i.title?.source === 'api' && i.price?.source === 'api')).toBe(true);
    expect(items.find((i) => i.asin === s.asins[3])!.price).toMatchObject({ minor: 1300, currency: 'USD' });
    // Fresh data is not asked for again.
    expect((await refreshDue(s.deps, { organisationIds: [s.organisationId] })).requests).toBe(0);
  });

  it('when Amazon answers 429 with Retry-After, then the batch waits that long and succeeds, nothing lost', async () => {
    const s = await setup(2);
    fake.fail({ path: /getItems/, status: 429, body: { message: 'Too many requests' }, headers: { 'retry-after': '4' } });
    const r = await fillProducts(s.deps, [(await db.selectFrom('products').select('id').where('asin', '=', s.asins[0]!).executeTakeFirstOrThrow()).id]);
    expect(r).toMatchObject({ requests: 2, fetched: 1 });
    expect(Math.max(...s.clock.waits)).toBeGreaterThanOrEqual(4000);
  });

  it('when the account has no API access, then that is recorded as its state with why, and no call is made again for a day', async () => {
    const s = await setup(3);
    fake.denied.add(s.credentialId);
    const first = await refreshDue(s.deps, { organisationIds: [s.organisationId] });
    expect(first).toMatchObject({ requests: 1, fetched: 0 });
    const status = await credentialStatus(db, s.organisationId);
    expect(status).toMatchObject({ access: 'none' });
    expect(status!.statusMessage).toMatch(/no Creators API access/);
    const calls = s.ourCalls().length;
    s.clock.advance(2 * H);
    expect((await refreshDue(s.deps, { organisationIds: [s.organisationId] })).requests).toBe(0);
    expect(s.ourCalls().length).toBe(calls);
    // A day later, access restored: asked again, and the state is back to ok.
    fake.denied.delete(s.credentialId);
    s.clock.advance(23 * H);
    expect(await refreshDue(s.deps, { organisationIds: [s.organisationId] })).toMatchObject({ fetched: 3 });
    expect(await credentialStatus(db, s.organisationId)).toMatchObject({ access: 'ok', statusMessage: null });
  });

  it('when Amazon does not know an ASIN, then it is marked and asked about again only a day later', async () => {
    const s = await setup(1, { known: false });
    expect(await refreshDue(s.deps, { organisationIds: [s.organisationId] })).toMatchObject({ requests: 1, unknown: 1 });
    const [item] = await showAll(s.influencer.id, s.clock.now());
    expect(item).toMatchObject({ apiState: 'unknown_asin', hasDetails: false });
    s.clock.advance(12 * H);
    expect((await refreshDue(s.deps, { organisationIds: [s.organisationId] })).requests).toBe(0);
    s.clock.advance(12 * H + 60_000);
    expect((await refreshDue(s.deps, { organisationIds: [s.organisationId] })).requests).toBe(1);
  });

  it('when Amazon answers junk or nothing, then stored details are kept and the manager sees one clear status line', async () => {
    const s = await setup(1);
    await refreshDue(s.deps, { organisationIds: [s.organisationId] });
    s.clock.advance(23 * H);
    fake.fail({ path: /getItems/, status: 200, raw: 'not json at all' });
    expect(await refreshDue(s.deps, { organisationIds: [s.organisationId] })).toMatchObject({ requests: 1, fetched: 0, failures: [{ kind: 'bad_response' }] });
    const [item] = await showAll(s.influencer.id, s.clock.now());
    expect(item!.title).toEqual({ value: 'Product 0', source: 'api' });
    const status = await credentialStatus(db, s.organisationId);
    expect(status!.statusMessage).toMatch(/not JSON.*stored product details are kept/);
    // Not retried hot: the product waits a quarter of an hour.
    expect((await refreshDue(s.deps, { organisationIds: [s.organisationId] })).requests).toBe(0);
  });

  it('when refused credentials are recorded, then nothing is asked with them until their retry time', async () => {
    const s = await setup(1);
    await recordCredentialOutcome(
      db,
      `org:${s.organisationId}`,
      { kind: 'refused', message: 'Amazon refused the credentials (invalid_client)' },
      s.clock.now(),
    );
    expect((await refreshDue(s.deps, { organisationIds: [s.organisationId] })).requests).toBe(0);
    expect(await credentialStatus(db, s.organisationId)).toMatchObject({ access: 'refused' });
  });
});

describe('what a storefront shows', () => {
  it("when the influencer overrides an item, then their title, image and price win; without API data the report's name shows", async () => {
    const s = await setup(2);
    await refreshDue(s.deps, { organisationIds: [s.organisationId] });
    await setProductOverride(db, {
      influencerId: s.influencer.id,
      asin: s.asins[0]!,
      title: 'My everyday kettle',
      imageUrl: 'https://cdn.example/kettle.jpg',
      price: '19.50',
      note: 'Boils in 2 minutes',
    });
    await seedEarning(db, s.handle, 100, { asin: s.asins[1]!, name: 'Name from the report' });
    const [a, b] = await showAll(s.influencer.id, s.clock.now());
    expect(a).toMatchObject({
      title: { value: 'My everyday kettle', source: 'influencer' },
      imageUrl: { value: 'https://cdn.example/kettle.jpg', source: 'influencer' },
      price: { minor: 1950, source: 'influencer' },
      note: 'Boils in 2 minutes',
    });
    expect(b!.title).toEqual({ value: 'Product 1', source: 'api' });
    // A day and a bit later the API data may no longer be shown: the ledger's name takes over.
    const later = new Date(s.clock.now().getTime() + 25 * H);
    const [, b2] = await showAll(s.influencer.id, later);
    expect(b2!.title).toEqual({ value: 'Name from the report', source: 'ledger' });
    expect(b2!.price).toBeUndefined();
  });

  it('when an image or avatar URL is not https, then it is refused with a clear message', async () => {
    const s = await setup(1);
    await expect(setProductOverride(db, { influencerId: s.influencer.id, asin: s.asins[0]!, imageUrl: 'http://cdn.example/a.jpg' })).rejects.toThrow(
      /must be an https:\/\/ link/,
    );
    await expect(setProfile(db, s.influencer.id, { avatarUrl: 'ftp://x/a.png' })).rejects.toThrow(/must be an https:\/\/ link/);
    expect(await setProfile(db, s.influencer.id, { bio: 'Home cook.', avatarUrl: 'https://cdn.example/me.png' })).toEqual({
      bio: 'Home cook.',
      avatarUrl: 'https://cdn.example/me.png',
    });
    expect((await getCatalogueStorefront(db, s.influencer.id))!.profile).toMatchObject({ bio: 'Home cook.', avatarUrl: 'https://cdn.example/me.png' });
  });
});
