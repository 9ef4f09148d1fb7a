// A product added to a storefront gets its Amazon details within seconds, through the real queue and worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { createLogger } from '../../src/log.ts';
import { addToStorefront } from '../../src/domain/storefront/storefronts.ts';
import { getCatalogueStorefront } from '../../src/domain/catalogue/resolve.ts';
import { randomAsin, seedInfluencer } from '../support/fixtures.ts';
import { testConfig, unique } from '../support/env.ts';
import { waitFor } from '../support/wait.ts';
import { FakeCreatorsApi } from '../support/fakeCreatorsApi.ts';

let fake: FakeCreatorsApi;
let rt: Runtime;
const credentialId = unique('opcred');

beforeAll(async () => {
  fake = await FakeCreatorsApi.start();
  fake.addCredential(credentialId, 'operator-secret');
  const config = testConfig({
    AMAZON_CREATORS_CLIENT_ID: credentialId,
    AMAZON_CREATORS_CLIENT_SECRET: 'operator-secret',
    AMAZON_CREATORS_CREDENTIAL_VERSION: '3.1',
    AMAZON_CREATORS_PARTNER_TAG: 'operator-20',
    AMAZON_CREATORS_API_URL: fake.url,
  });
  rt = await startRuntime(config, { workers: true, log: createLogger('silent') });
});
afterAll(async () => {
  await rt?.close();
  await fake.close();
});

describe('catalogue fill', () => {
  it('when an influencer adds a product, then its title, image and price from Amazon show on their storefront within seconds', async () => {
    const { influencer } = await seedInfluencer(rt.db);
    const asin = randomAsin();
    fake.addProduct(asin, { title: 'Cast-iron pan', price: 39.9, imageUrl: `https://m.media-amazon.com/images/I/${asin}.jpg` });
    await addToStorefront(rt.db, { influencerId: influencer.id, ref: { asin, marketplace: 'US' } });
    // Added again at once: the same job, not a second fetch.
    await addToStorefront(rt.db, { influencerId: influencer.id, ref: { asin, marketplace: 'US' }, listName: 'Kitchen' });
    const items = await waitFor(
      async () => (await getCatalogueStorefront(rt.db, influencer.id))!.lists.flatMap((l) => l.items),
      (list) => list.every((i) => i.title?.source === 'api'),
      10_000,
    );
    expect(items[0]).toMatchObject({
      title: { value: 'Cast-iron pan', source: 'api' },
      imageUrl: { value: `https://m.media-amazon.com/images/I/${asin}.jpg` },
      price: { minor: 3990, currency: 'USD' },
    });
    const ours = fake.getItemsCalls.filter((c) => (c.body?.itemIds as string[]).includes(asin));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toMatchObject({ partnerTag: 'operator-20' });
  });
});
