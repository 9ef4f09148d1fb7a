// Throughput and memory of the CSV report reader on a 1,000,000-row Fee-Earnings file.
// Usage: npx tsx bench/parse-csv.ts [rows] [--rows-api]. Generates /tmp/fee-earnings-<rows>.csv once, then reads it.
// Memory must stay flat (the reader streams); peak RSS is reported from the OS's own high-water mark.
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { readReportFile } from '../src/domain/feeds/index.ts';

const rowCount = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const perRow = process.argv.includes('--rows-api');
const path = `/tmp/fee-earnings-${rowCount}.csv`;

async function generate(): Promise<void> {
  const out = createWriteStream(path);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('Fee-Earnings reports from 03-07-2021 to 04-05-2021\n');
  await write('Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price($),Items Shipped,Returns,Revenue($),Ad Fees($),Device Type Group\n');
  const categories = ['Grocery & Gourmet Food', 'Health & Household', 'Electronics', 'Home'];
  let buf = '';
  for (let i = 0; i < rowCount; i++) {
    const ret = i % 17 === 0;
    const cents = 199 + ((i * 7919) % 50_000);
    const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const fee = `${ret ? '-' : ''}0.${String((i * 31) % 100).padStart(2, '0')}`;
    // Every third name is quoted with an embedded comma and a doubled quote, as real exports have.
    const name = i % 3 === 0 ? `"Widget ${i}, 12 Count ""Packaging may vary"""` : `Widget ${i} Stainless Steel 10oz`;
    const day = String(1 + (i % 28)).padStart(2, '0');
    buf += `${categories[i % 4]!.includes('&') ? `"${categories[i % 4]}"` : categories[i % 4]},${name},B0${String(i).padStart(8, '0')},Amazon.com,tag${i % 40}-20,2021-03-${day} 12:34:56,${price},${ret ? 0 : 1},${ret ? 1 : 0},${ret ? '-' : ''}${price},${fee},PHONE\n`;
    if (buf.length > 1 << 16) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  out.end();
  await once(out, 'finish');
}

if (!existsSync(path)) {
  const t = performance.now();
  await generate();
  console.log(`generated ${path} (${(statSync(path).size / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const rssBefore = process.memoryUsage().rss;
let peakSampled = rssBefore;
const sampler = setInterval(() => (peakSampled = Math.max(peakSampled, process.memoryUsage().rss)), 20);

const start = performance.now();
const file = await readReportFile(path);
let rows = 0;
let errors = 0;
let adFees = 0;
if (perRow) {
  for await (const item of file.rows()) {
    if (item.kind !== 'earnings') errors++;
    else {
      rows++;
      adFees += item.adFeesMinor;
    }
  }
} else {
  for await (const batch of file.batches()) {
    for (const item of batch) {
      if (item.kind !== 'earnings') errors++;
      else {
        rows++;
        adFees += item.adFeesMinor;
      }
    }
  }
}
const seconds = (performance.now() - start) / 1000;
clearInterval(sampler);

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
console.log(
  JSON.stringify({
    api: perRow ? 'rows()' : 'batches()',
    rows,
    errors,
    adFeesMinor: adFees,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(rows / seconds),
    rssBeforeParse: mb(rssBefore),
    peakRssSampled: mb(peakSampled),
    peakRssProcess: mb(process.resourceUsage().maxRSS * 1024),
  }),
);
