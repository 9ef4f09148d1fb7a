// The Creators API client against the local fake: tokens, batches, and every kind of failure it must tell apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreatorsApiClient, tokenEndpoint, type CreatorsApiError, type CreatorsCredential } from '../../src/domain/catalogue/creatorsApi.ts';
import { FakeCreatorsApi } from '../support/fakeCreatorsApi.ts';

let fake: FakeCreatorsApi;
let n = 0;
beforeAll(async () => {
  fake = await FakeCreatorsApi.start();
  fake.addProduct('B0TESTAAA1', {
    title: 'Quiet kettle',
    brand: 'Acme',
    features: ['1.7 l', 'Quiet boil'],
    imageUrl: 'https://m.media-amazon.com/images/I/kettle.jpg',
    price: 24.99,
  });
  fake.addProduct('B0TESTAAA2', { title: 'Teapot' });
});
afterAll(() => fake.close());

function client(version: CreatorsCredential['version'] = '3.1', opts: { timeoutMs?: number } = {}) {
  n += 1;
  const credential: CreatorsCredential = { key: 'env', credentialId: `cred${n}`, credentialSecret: `secret${n}`, version, partnerTag: 'shop-20' };
  fake.addCredential(credential.credentialId, credential.credentialSecret);
  return { api: new CreatorsApiClient(credential, { apiUrl: fake.url, ...opts }), credential };
}

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err as CreatorsApiError;
  }
  throw new Error('expected a failure');
};

describe('Creators API client', () => {
  it('when asked for products, then it sends the marketplace header and partner tag, and reads title, brand, features, image and price', async () => {
    const { api } = client('3.1');
    const r = await api.getItems('US', ['B0TESTAAA1']);
    expect(r).toEqual({
      items: [
        {
          asin: 'B0TESTAAA1',
          title: 'Quiet kettle',
          brand: 'Acme',
          features: ['1.7 l', 'Quiet boil'],
          imageUrl: 'https://m.media-amazon.com/images/I/kettle.jpg',
          priceMinor: 2499,
          currency: 'USD',
          availability: 'In Stock',
          availabilityType: 'IN_STOCK',
          hasOffers: true,
        },
      ],
      unknown: [],
    });
    const call = fake.getItemsCalls.at(-1)!;
    expect(call.marketplace).toBe('www.amazon.com');
    expect(call.body).toMatchObject({ partnerTag: 'shop-20', itemIds: ['B0TESTAAA1'] });
    expect(call.auth).toMatch(/^Bearer [0-9a-f]+$/);
  });

  it('when a version 2.x credential is used, then the token comes from the Cognito form endpoint and the header names the version', async () => {
    const { api } = client('2.2');
    await api.getItems('UK', ['B0TESTAAA1']).catch(() => undefined);
    expect(fake.tokenCalls.at(-1)!.path).toBe('/oauth2/token');
    expect(fake.getItemsCalls.at(-1)!.auth).toMatch(/^Bearer [0-9a-f]+, Version 2\.2$/);
    expect(tokenEndpoint('2.2')).toBe('https://creatorsapi.auth.eu-south-2.amazoncognito.com/oauth2/token');
    expect(tokenEndpoint('3.1')).toBe('https://api.amazon.com/auth/o2/token');
  });

  it('when several calls are made, then one token serves them; when it expires, then a new one is fetched and the call still succeeds', async () => {
    const { api } = client();
    const before = fake.tokenCalls.length;
    await api.getItems('US', ['B0TESTAAA1']);
    await api.getItems('US', ['B0TESTAAA2']);
    expect(fake.tokenCalls.length - before).toBe(1);
    fake.expireTokens();
    const r = await api.getItems('US', ['B0TESTAAA2']);
    expect(r.items.map((i) => i.title)).toEqual(['Teapot']);
    expect(fake.tokenCalls.length - before).toBe(2);
  });

  it('when more than 10 ASINs are asked for at once, then the client refuses before calling Amazon', async () => {
    const { api } = client();
    const calls = fake.calls.length;
    await expect(
      api.getItems(
        'US',
        Array.from({ length: 11 }, (_, i) => `B0TESTAB${String(i).padStart(2, '0')}`),
      ),
    ).rejects.toThrow(/at most 10/);
    expect(fake.calls.length).toBe(calls);
  });

  it('when Amazon does not know an ASIN, then it is reported as unknown, alone or among known ones', async () => {
    const { api } = client();
    expect(await api.getItems('US', ['B0TESTAAA1', 'B0NOSUCH01'])).toMatchObject({ items: [{ asin: 'B0TESTAAA1' }], unknown: ['B0NOSUCH01'] });
    expect(await api.getItems('US', ['B0NOSUCH01'])).toEqual({ items: [], unknown: ['B0NOSUCH01'] });
  });

  it('when Amazon throttles, then the failure says so with its Retry-After', async () => {
    const { api } = client();
    fake.fail({ path: /getItems/, status: 429, body: { type: 'ThrottleException', message: 'Too many requests' }, headers: { 'retry-after': '3' } });
    const err = await failure(api.getItems('US', ['B0TESTAAA1']));
    expect(err).toMatchObject({ kind: 'throttled', retryAfterMs: 3000 });
  });

  it('when the account has no API access, or the credentials are wrong, then the failure tells those apart', async () => {
    const { api, credential } = client();
    fake.denied.add(credential.credentialId);
    expect(await failure(api.getItems('US', ['B0TESTAAA1']))).toMatchObject({ kind: 'no_access', reason: 'AssociateNotEligible' });
    const wrong = new CreatorsApiClient({ ...credential, credentialSecret: 'wrong' }, { apiUrl: fake.url });
    expect(await failure(wrong.getItems('US', ['B0TESTAAA1']))).toMatchObject({ kind: 'refused' });
  });

  it('when Amazon answers junk, a 5xx, or nothing in time, then the failure is bad_response or unreachable', async () => {
    const { api } = client('3.1', { timeoutMs: 300 });
    fake.fail({ path: /getItems/, status: 200, raw: '<html>oops</html>' });
    expect(await failure(api.getItems('US', ['B0TESTAAA1']))).toMatchObject({ kind: 'bad_response' });
    fake.fail({ path: /getItems/, status: 200, body: { something: 'else' } });
    expect(await failure(api.getItems('US', ['B0TESTAAA1']))).toMatchObject({ kind: 'bad_response' });
    fake.fail({ path: /getItems/, status: 503, body: {} });
    expect(await failure(api.getItems('US', ['B0TESTAAA1']))).toMatchObject({ kind: 'unreachable' });
    fake.fail({ path: /getItems/, hang: true });
    expect(await failure(api.getItems('US', ['B0TESTAAA1']))).toMatchObject({ kind: 'unreachable' });
  });
});
