import { describe, expect, it } from 'vitest';
import { parseProductInput } from '../../src/domain/amazon/productInput.ts';
import { MARKETPLACES } from '../../src/domain/amazon/marketplaces.ts';
import { buildTaggedUrl, isTaggedAmazonUrl, normaliseTrackingId } from '../../src/domain/amazon/taggedUrl.ts';
import { UserError } from '../../src/errors.ts';

const ASIN = 'B08N5WRWNW';

function product(input: string) {
  const r = parseProductInput(input);
  if (r.kind !== 'product') throw new Error(`expected a product, got ${r.kind}`);
  return r;
}

describe('when an influencer gives a product', () => {
  it('then a bare ASIN or ISBN-10 is accepted, in any case', () => {
    expect(product('B08N5WRWNW')).toEqual({ kind: 'product', asin: ASIN, marketplace: undefined });
    expect(product('  b08n5wrwnw ')).toMatchObject({ asin: ASIN });
    expect(product('080442957X')).toMatchObject({ asin: '080442957X' });
  });

  it.each([
    `https://www.amazon.com/dp/${ASIN}`,
    `https://www.amazon.com/dp/${ASIN}/`,
    `https://www.amazon.com/gp/product/${ASIN}?th=1`,
    `https://www.amazon.com/gp/aw/d/${ASIN}`,
    `https://www.amazon.com/exec/obidos/ASIN/${ASIN}/someone-20`,
    `https://www.amazon.com/Echo-Dot-4th-Gen/dp/${ASIN}/ref=sr_1_1?keywords=echo&tag=other-20`,
    `http://amazon.com/dp/${ASIN}`,
    `https://smile.amazon.com/dp/${ASIN}`,
    `amazon.com/dp/${ASIN}`,
    `www.amazon.com/dp/${ASIN}#reviews`,
    `<https://www.amazon.com/dp/${ASIN}>`,
  ])('then the URL form %s gives the ASIN on amazon.com', (url) => {
    expect(product(url)).toEqual({ kind: 'product', asin: ASIN, marketplace: 'US' });
  });

  it('then every listed marketplace is recognised', () => {
    for (const m of MARKETPLACES.values()) {
      expect(product(`https://www.amazon.${m.tld}/some-slug/dp/${ASIN}/ref=x`)).toEqual({ kind: 'product', asin: ASIN, marketplace: m.code });
    }
    expect(MARKETPLACES.size).toBe(21);
  });

  it.each(['https://amzn.to/3abcDEF', 'https://a.co/d/abc123', 'https://amzn.eu/d/xyz', 'amzn.to/3abcDEF'])('then the short link %s is returned for resolution', (url) => {
    expect(parseProductInput(url).kind).toBe('short');
  });

  it.each([
    ['a look-alike host', `https://amazon.com.evil.io/dp/${ASIN}`],
    ['a host that merely contains amazon', `https://www.notamazon.com/dp/${ASIN}`],
    ['a path that mentions amazon', `https://evil.io/amazon.com/dp/${ASIN}`],
    ['userinfo tricks', `https://www.amazon.com@evil.io/dp/${ASIN}`],
    ['credentials on a real host', `https://user:pw@www.amazon.com/dp/${ASIN}`],
    ['an explicit port', `https://www.amazon.com:8443/dp/${ASIN}`],
    ['a javascript URL', `javascript:alert(1)//www.amazon.com/dp/${ASIN}`],
    ['a data URL', 'data:text/html,<script>alert(1)</script>'],
    ['an unlisted store', `https://www.amazon.cn/dp/${ASIN}`],
    ['an Amazon page that is not a product', 'https://www.amazon.com/gp/cart/view.html'],
    ['a search page', 'https://www.amazon.com/s?k=echo+dot'],
    ['a word of ten letters', 'helloworld'],
    ['an ASIN with a bad character', 'B08N5WRWN!'],
    ['a control character', `https://www.amazon.com/dp/${ASIN}\u0000`],
    ['an empty string', '   '],
    ['an enormous URL', `https://www.amazon.com/dp/${ASIN}?x=${'a'.repeat(5000)}`],
  ])('then %s is refused with a clear error', (_why, input) => {
    expect(() => parseProductInput(input)).toThrow(UserError);
  });
});

describe('when a tagged link is built', () => {
  it('then it carries exactly one tag and nothing else from the input', () => {
    const url = buildTaggedUrl('UK', ASIN, 'jane-21');
    expect(url).toBe(`https://www.amazon.co.uk/dp/${ASIN}?tag=jane-21`);
    expect(new URL(url).searchParams.getAll('tag')).toEqual(['jane-21']);
    expect(isTaggedAmazonUrl(url)).toBe(true);
  });

  it('then a URL carrying foreign affiliate parameters is reduced to ASIN and marketplace', () => {
    const parsed = product(`https://www.amazon.de/dp/${ASIN}?tag=thief-21&linkCode=ll1&ascsubtag=x&ref_=as_li`);
    expect(buildTaggedUrl(parsed.marketplace!, parsed.asin, 'jane-21')).toBe(`https://www.amazon.de/dp/${ASIN}?tag=jane-21`);
  });

  it('then nothing but a validated ASIN and tracking ID can get in', () => {
    expect(() => buildTaggedUrl('US', 'B08N5WRWN/', 'jane-20')).toThrow();
    expect(() => buildTaggedUrl('US', ASIN, 'jane-20&tag=evil-20')).toThrow();
    expect(() => buildTaggedUrl('XX', ASIN, 'jane-20')).toThrow();
    expect(isTaggedAmazonUrl('https://evil.io/dp/B08N5WRWNW?tag=jane-20')).toBe(false);
    expect(isTaggedAmazonUrl(`https://www.amazon.com/dp/${ASIN}?tag=jane-20&tag=x-20`)).toBe(false);
  });

  it('then tracking IDs are validated and lower-cased', () => {
    expect(normaliseTrackingId(' Jane-20 ')).toBe('jane-20');
    for (const bad of ['jane', 'jane-2', 'ja ne-20', '-jane-20', 'jane_x-20', 'jane-20?x', '😀-20', 'a'.repeat(80) + '-20']) {
      expect(() => normaliseTrackingId(bad), bad).toThrow(UserError);
    }
  });
});
