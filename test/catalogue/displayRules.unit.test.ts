// Amazon's display rules and the order of trust between sources, on a fake clock (no database).
import { describe, expect, it } from 'vitest';
import { apiDataDue, apiDataShowable, PRICE_DISCLAIMER, showableImageUrl, showPrice } from '../../src/domain/catalogue/displayRules.ts';
import { resolveProduct, type ResolveInput } from '../../src/domain/catalogue/resolve.ts';
import { RequestBudget } from '../../src/domain/catalogue/requestBudget.ts';

const H = 3_600_000;
const fetched = new Date('2026-12-01T12:00:00Z');
const at = (ms: number) => new Date(fetched.getTime() + ms);

const api = (over: Partial<NonNullable<ResolveInput['api']>> = {}): NonNullable<ResolveInput['api']> => ({
  state: 'ok',
  title: 'API title',
  brand: 'Acme',
  features: ['Quiet'],
  image_url: 'https://m.media-amazon.com/images/I/api.jpg',
  price_minor: 2499,
  currency: 'USD',
  availability: 'In Stock',
  fetched_at: fetched,
  ...over,
});

describe('display rules', () => {
  it('when API data is 23 h 59 min old it is shown, and at 24 h 1 min it counts as absent', () => {
    expect(apiDataShowable(fetched, at(24 * H - 60_000))).toBe(true);
    expect(apiDataShowable(fetched, at(24 * H + 60_000))).toBe(false);
    const stale = resolveProduct({ asin: 'B000000001', marketplace: 'US', api: api(), ledgerName: 'Ledger name' }, at(24 * H + 60_000));
    expect(stale.title).toEqual({ value: 'Ledger name', source: 'ledger' });
    expect(stale.price).toBeUndefined();
    expect(stale.imageUrl).toBeUndefined();
    expect(stale.brand).toBeUndefined();
    expect(stale.apiState).toBe('stale');
  });

  it('when API data is 23 h old it is due for a refresh, and not before', () => {
    expect(apiDataDue(fetched, at(23 * H - 60_000))).toBe(false);
    expect(apiDataDue(fetched, at(23 * H))).toBe(true);
    expect(apiDataDue(null, fetched)).toBe(true);
  });

  it("when a price is shown, then it carries its as-of time, and Amazon's disclaimer once it is more than an hour old", () => {
    expect(showPrice(2499, 'USD', fetched, at(59 * 60_000))).toEqual({ minor: 2499, currency: 'USD', asOf: fetched });
    expect(showPrice(2499, 'USD', fetched, at(61 * 60_000))).toEqual({ minor: 2499, currency: 'USD', asOf: fetched, disclaimer: PRICE_DISCLAIMER });
    const p = resolveProduct({ asin: 'B000000001', marketplace: 'US', api: api() }, at(2 * H));
    expect(p.price).toMatchObject({ minor: 2499, asOf: fetched, disclaimer: PRICE_DISCLAIMER, source: 'api' });
  });

  it('when an image URL is not https, then it is never shown (images are linked by URL, never stored)', () => {
    expect(showableImageUrl('http://example.com/a.jpg')).toBeUndefined();
    expect(showableImageUrl('javascript:alert(1)')).toBeUndefined();
    expect(showableImageUrl('https://user:pw@example.com/a.jpg')).toBeUndefined();
    expect(showableImageUrl('https://m.media-amazon.com/a.jpg')).toBe('https://m.media-amazon.com/a.jpg');
    const p = resolveProduct({ asin: 'B000000001', marketplace: 'US', api: api({ image_url: 'http://insecure.example/a.jpg' }) }, at(H));
    expect(p.imageUrl).toBeUndefined();
  });
});

describe('source precedence', () => {
  const override = { title: 'My pick', imageUrl: 'https://cdn.example/mine.jpg', priceMinor: 1999, currency: 'USD', updatedAt: at(0), note: 'I use it daily' };

  it("when the influencer overrode a field, then theirs wins over the API's, the API's over the ledger's", () => {
    const p = resolveProduct({ asin: 'B000000001', marketplace: 'US', override, api: api(), ledgerName: 'Ledger name' }, at(H / 2));
    expect(p.title).toEqual({ value: 'My pick', source: 'influencer' });
    expect(p.imageUrl).toEqual({ value: 'https://cdn.example/mine.jpg', source: 'influencer' });
    expect(p.price).toMatchObject({ minor: 1999, source: 'influencer' });
    expect(p.note).toBe('I use it daily');
    expect(p.brand).toBe('Acme');
    const noOverride = resolveProduct({ asin: 'B000000001', marketplace: 'US', api: api(), ledgerName: 'Ledger name' }, at(H / 2));
    expect(noOverride.title).toEqual({ value: 'API title', source: 'api' });
    const ledgerOnly = resolveProduct({ asin: 'B000000001', marketplace: 'US', ledgerName: 'Ledger name' }, at(H / 2));
    expect(ledgerOnly.title).toEqual({ value: 'Ledger name', source: 'ledger' });
    expect(ledgerOnly.hasDetails).toBe(true);
  });

  it('when no source knows anything yet, then the page can tell "no details yet"', () => {
    const p = resolveProduct({ asin: 'B000000001', marketplace: 'US' }, at(0));
    expect(p).toEqual({ asin: 'B000000001', marketplace: 'US', apiState: 'pending', hasDetails: false });
  });
});

describe('request budget', () => {
  it('when Amazon answers 429, then the next request waits at least its Retry-After and the pace halves; successes recover it', async () => {
    let now = 0;
    const waits: number[] = [];
    const budget = new RequestBudget({
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    await budget.take('env');
    await budget.take('env');
    expect(waits).toEqual([1000]);
    budget.throttled('env', 5000);
    expect(budget.intervalMs('env')).toBe(2000);
    await budget.take('env');
    expect(waits.at(-1)).toBeGreaterThanOrEqual(5000);
    budget.succeeded('env');
    expect(budget.intervalMs('env')).toBe(1000);
    // Another credential has its own budget.
    expect(budget.waitMs('org:1')).toBe(0);
  });
});
