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

  // Forms peers' URL parsers and their test suites accept (metabrainz/picard, christian-fei/mega-scraper,
  // donnguyen/amazon_asin, and canonical-URL tests of several scrapers), each read to its ASIN and store.
  it.each([
    ['a /d/<category>/<title>/ASIN page', `https://www.amazon.co.uk/d/Hair-Gel/Eco-Styler-Olive-Oil-Styling/${ASIN}`, 'UK'],
    ['a /d/<title>/ASIN page', `https://www.amazon.com/d/Echo-Dot/${ASIN}/ref=x`, 'US'],
    ['a /d/ASIN page', `https://www.amazon.de/d/${ASIN}`, 'DE'],
    ['a reviews page', `https://www.amazon.com/product-reviews/${ASIN}`, 'US'],
    [
      'a reviews page behind a slug',
      `https://www.amazon.it/Echo-Dot-generazione-Altoparlante/product-reviews/${ASIN}/ref=cm_cr_dp_d_show_all_btm?ie=UTF8`,
      'IT',
    ],
    ['an offer listing', `https://www.amazon.in/gp/offer-listing/${ASIN}/ref=dp_olp_new_mbc?ie=UTF8&condition=new`, 'IN'],
    ['a mobile offer listing', `https://www.amazon.com/gp/aw/ol/${ASIN}`, 'US'],
    ['/dp/product/ASIN', `https://www.amazon.com/dp/product/${ASIN}`, 'US'],
    ['/o/ASIN/ASIN', `http://www.amazon.com/o/ASIN/${ASIN}/someone-20`, 'US'],
    ['/o/asin/ASIN in lower case', `http://www.amazon.co.uk/o/asin/${ASIN}`, 'UK'],
    ['/o/ASIN', `https://www.amazon.com/o/${ASIN}`, 'US'],
    ['/product/ASIN', `https://www.amazon.com/product/${ASIN}`, 'US'],
    ['/exec/obidos/tg/detail/-/ASIN', `https://www.amazon.com/exec/obidos/tg/detail/-/${ASIN}/`, 'US'],
    ['a mobile host', `https://m.amazon.com/gp/aw/d/${ASIN}`, 'US'],
    ['a mobile host on another store', `https://m.amazon.co.jp/dp/${ASIN}`, 'JP'],
    ['a language segment', `https://www.amazon.com/-/es/dp/${ASIN}`, 'US'],
    ['a language segment with a region', `https://www.amazon.de/-/en_GB/Some-Slug/dp/${ASIN}/ref=sr_1_1`, 'DE'],
    ['an asin query parameter', `https://www.amazon.com/some/path?asin=${ASIN}`, 'US'],
    ['an ASIN query parameter on a buy-box page', `https://www.amazon.co.uk/gp/product/handle-buy-box/ref=dp_start-bbf_1_glance?ASIN=${ASIN}`, 'UK'],
    ['an ISBN-10 under /o/ASIN', 'http://www.amazon.com/o/ASIN/0596007833/tomontime-20', 'US'],
  ])('then %s (%s) gives its ASIN and store', (_form, url, market) => {
    const asin = url.includes('0596007833') ? '0596007833' : ASIN;
    expect(product(url)).toEqual({ kind: 'product', asin, marketplace: market });
  });

  it('then the path wins over a tracking parameter naming another ASIN', () => {
    expect(product(`https://www.amazon.in/JBL-Tune/dp/${ASIN}/ref=x?pd_rd_i=B0TRACKING&asin=B07FZ8S74R`)).toMatchObject({ asin: ASIN });
  });

  describe('when it is a sponsored result (/sspa/click)', () => {
    it.each([
      [
        'amazon.de',
        `https://www.amazon.de/sspa/click?ie=UTF8&spc=MTo3NDk&sp_csd=d2lkZ2V0TmFtZQ&url=%2FLEGO-Technic%2Fdp%2F${ASIN}%2Fref%3Dsr_1_1_sspa%3Fqid%3D1755640000`,
        'DE',
      ],
      [
        'amazon.in, whose ad slot names another product first',
        `https://www.amazon.in/sspa/click?ie=UTF8&spc=ADSLOT12345&url=%2FAnker-Soundcore%2Fdp%2F${ASIN}%2Fref%3Dsr`,
        'IN',
      ],
      [
        'amazon.de behind a language segment',
        `https://www.amazon.de/-/en/sspa/click?ie=UTF8&spc=MTo2MTEy&url=%2FZimaBlade-Singleboard%2Fdp%2F${ASIN}%2Fref%3Dsr_1_1_sspa%3Fcrid%3DVIU15V2FZTZ%26keywords%3Dzima%2Bblade`,
        'DE',
      ],
      ['amazon.com, wrapping a gp/product path', `https://www.amazon.com/sspa/click?url=%2Fgp%2Fproduct%2F${ASIN}%3Fpsc%3D1`, 'US'],
    ])('then the product inside it on %s is read from its url parameter', (_store, url, market) => {
      expect(product(url)).toEqual({ kind: 'product', asin: ASIN, marketplace: market });
    });

    it.each([
      ['an absolute URL to another site', `https://www.amazon.com/sspa/click?url=https%3A%2F%2Fevil.io%2Fdp%2F${ASIN}`],
      ['an absolute URL even to an Amazon store', `https://www.amazon.com/sspa/click?url=https%3A%2F%2Fwww.amazon.de%2Fdp%2F${ASIN}`],
      ['a protocol-relative URL', `https://www.amazon.com/sspa/click?url=%2F%2Fevil.io%2Fdp%2F${ASIN}`],
      ['a backslash trick', `https://www.amazon.com/sspa/click?url=%2F%5Cevil.io%2Fdp%2F${ASIN}`],
      ['a tab that a URL parser would drop', `https://www.amazon.com/sspa/click?url=%2F%09%2Fevil.io%2Fdp%2F${ASIN}`],
      ['a relative path with no slash', `https://www.amazon.com/sspa/click?url=dp%2F${ASIN}`],
      ['a wrapper around another wrapper', `https://www.amazon.com/sspa/click?url=%2Fsspa%2Fclick%3Furl%3D%252Fdp%252F${ASIN}`],
      ['no url parameter', 'https://www.amazon.com/sspa/click?ie=UTF8&spc=MTo3NDk'],
      ['a wrapped page that is no product', 'https://www.amazon.com/sspa/click?url=%2Fgp%2Fcart%2Fview.html'],
    ])('then %s is refused, never followed', (_why, url) => {
      expect(() => parseProductInput(url)).toThrow(UserError);
    });
  });

  it('then every listed marketplace is recognised', () => {
    for (const m of MARKETPLACES.values()) {
      expect(product(`https://www.amazon.${m.tld}/some-slug/dp/${ASIN}/ref=x`)).toEqual({ kind: 'product', asin: ASIN, marketplace: m.code });
    }
    expect(MARKETPLACES.size).toBe(21);
  });

  it.each(['https://amzn.to/3abcDEF', 'https://a.co/d/abc123', 'https://amzn.eu/d/xyz', 'amzn.to/3abcDEF'])(
    'then the short link %s is returned for resolution',
    (url) => {
      expect(parseProductInput(url).kind).toBe('short');
    },
  );

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
    ['an ASIN-shaped word in a path that is no product form', `https://www.amazon.com/stores/page/${ASIN}`],
    ['/o/ASIN not at the start of the path', `https://www.amazon.com/gp/o/${ASIN}`],
    ['a query parameter that only looks like asin', `https://www.amazon.com/s?k=echo&pd_rd_i=${ASIN}`],
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
