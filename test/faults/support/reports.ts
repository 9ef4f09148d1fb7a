// Fee-Earnings reports made up for a scenario: distinct rows (a few returns among them), unregistered tracking IDs of
// the scenario's own, and the exact total of their Ad Fees in cents, which the ledger must hold to the cent after any
// fault, neither short (a lost ingest) nor over (a doubled one).
const HEADER = 'Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price($),Items Shipped,Returns,Revenue($),Ad Fees($),Device Type Group';
const CATEGORIES: Array<[string, number]> = [
  ['Home & Kitchen', 300],
  ['Kitchen & Dining', 450],
  ['Electronics', 400],
  ['Toys & Games', 300],
  ['Books', 450],
];
const money = (cents: number) => `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

export interface MadeReport {
  csv: string;
  rows: number;
  adFeesCents: number;
}

/** `rows` lines for tracking IDs `<tag><n>-20`, in March 2021. Deterministic for a given tag. */
export function feeEarningsReport(tag: string, rows: number): MadeReport {
  let seed = [...tag].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const rand = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = ['Fee-Earnings reports from 03-01-2021 to 03-31-2021', HEADER];
  let adFeesCents = 0;
  const start = Date.parse('2021-03-01T00:00:00Z');
  for (let i = 0; i < rows; i++) {
    const [category, bp] = CATEGORIES[i % CATEGORIES.length]!;
    const price = 299 + Math.floor(rand() * 20_000);
    const isReturn = i % 20 === 19;
    const qty = isReturn ? 0 : 1 + (i % 3);
    const revenue = isReturn ? -price : price * qty;
    const fee = Math.sign(revenue) * Math.round((Math.abs(revenue) * bp) / 10_000);
    adFeesCents += fee;
    const when = new Date(start + Math.floor(rand() * 30 * 86_400) * 1000).toISOString();
    const asin = `B0${(i + 0x10000000).toString(36).toUpperCase().padStart(8, '0').slice(-8)}`;
    out.push(
      `${category},Item ${tag} ${i},${asin},Amazon.com,${tag}${i % 50}-20,${when.slice(0, 10)} ${when.slice(11, 19)},${money(price)},${qty},${isReturn ? 1 : 0},${money(revenue)},${money(fee)},PHONE`,
    );
  }
  return { csv: `${out.join('\n')}\n`, rows, adFeesCents };
}
