// Ledger provenance for report ingestion, the rate-card seed (Amazon US, including the change of
// 2020-04-21) and the mapping from report category names to rate categories. Frozen: never import src.
import { sql, type Kysely } from 'kysely';

type Rates = Record<string, string[]>;

// Basis points (450 = 4.5%) → rate categories, from Amazon's US standard program fee schedule.
const SINCE_2020_04_21: Record<number, string[]> = {
  2000: ['Amazon Games'],
  1000: ['Luxury Beauty', 'Luxury Stores Beauty'],
  500: ['Digital Music', 'Physical Music', 'Handmade', 'Digital Videos'],
  450: ['Physical Books', 'Kitchen', 'Automotive'],
  400: ['Amazon Devices', 'Amazon Fashion Private Label', 'Apparel', 'Watches', 'Jewelry', 'Luggage', 'Shoes', 'Handbags & Accessories', 'All Other'],
  300: ['Toys', 'Furniture', 'Home', 'Home Improvement', 'Lawn & Garden', 'Pet Products', 'Headphones', 'Beauty', 'Musical Instruments', 'Business & Industrial', 'Outdoors', 'Tools', 'Sports', 'Baby'],
  250: ['PC', 'PC Components', 'DVD & Blu-ray'],
  200: ['Televisions', 'Digital Video Games'],
  100: ['Amazon Fresh', 'Physical Video Games & Consoles', 'Grocery', 'Health & Personal Care', 'Amazon Pantry'],
  0: ['Gift Cards', 'Wireless Plans', 'Alcohol'],
};

// The schedule in force from 2017-03-01 until 2020-04-20.
const BEFORE_2020_04_21: Record<number, string[]> = {
  1000: ['Luxury Beauty', 'Luxury Stores Beauty', 'Amazon Fashion Private Label'],
  800: ['Furniture', 'Home', 'Home Improvement', 'Lawn & Garden', 'Pet Products', 'Amazon Pantry'],
  600: ['Headphones', 'Beauty', 'Musical Instruments', 'Business & Industrial'],
  550: ['Outdoors', 'Tools'],
  500: ['Digital Music', 'Physical Music', 'Handmade', 'Digital Videos', 'Grocery'],
  450: ['Physical Books', 'Health & Personal Care', 'Sports', 'Kitchen', 'Automotive', 'Baby'],
  400: ['Amazon Devices', 'Apparel', 'Watches', 'Jewelry', 'Luggage', 'Shoes', 'Handbags & Accessories', 'Amazon Games', 'All Other'],
  300: ['Toys'],
  250: ['PC', 'PC Components', 'DVD & Blu-ray'],
  200: ['Televisions', 'Digital Video Games'],
  100: ['Amazon Fresh', 'Physical Video Games & Consoles'],
  0: ['Gift Cards', 'Wireless Plans', 'Alcohol'],
};

// Category names as Amazon's reports write them → rate categories.
const REPORT_CATEGORIES: Rates = {
  'All Other': ['Cell Phones & Accessories', 'Electronic Components & Home Audio', 'Office & School Supplies', 'Camera, Photo & Video', 'Software Download', 'Software', 'Kindle Books', 'Kindle Unlimited Memberships', 'Audible Audiobooks', 'Major Appliances', 'Arts, Crafts & Sewing', 'Mobile Electronics', 'Other', 'Miscellaneous', 'Electronics'],
  PC: ['Computers, Tablets & Components', 'Computers & Accessories'],
  'Health & Personal Care': ['Health & Household', 'Health & Personal Care', 'Health & Personal Care Appliances', 'Health &amp; Personal Care Appliances'],
  Home: ['Home', 'Home & Kitchen', 'Bedding & Bath'],
  Apparel: ['Clothing & Accessories', 'Clothing, Shoes & Jewelry'],
  Sports: ['Sports & Fitness', 'Sports & Outdoors'],
  Grocery: ['Grocery & Gourmet Food', 'Grocery'],
  Beauty: ['Beauty & Grooming', 'Beauty & Personal Care', 'Beauty'],
  'Physical Books': ['Books & Textbooks', 'Books', 'Magazines'],
  Kitchen: ['Kitchen & Dining', 'Kitchen'],
  'Amazon Fresh': ['Amazon Fresh Products', 'Fresh Prepared', 'Amazon Fresh'],
  Toys: ['Toys & Games', 'Toys'],
  'Pet Products': ['Pet Food & Supplies', 'Pet Supplies'],
  'Home Improvement': ['Home Improvement', 'Tools & Home Improvement'],
  'Handbags & Accessories': ['Shoes, Handbags, Wallets, Sunglasses', 'Handbags & Accessories'],
  'Lawn & Garden': ['Patio, Lawn & Garden', 'Lawn & Garden'],
  'Business & Industrial': ['Business & Industrial Supplies', 'Industrial & Scientific'],
  Automotive: ['Automotive', 'Tires & Wheels', 'Automotive Parts & Accessories'],
  Tools: ['Power & Hand Tools', 'Tools'],
  Furniture: ['Furniture'],
  Jewelry: ['Jewelry'],
  Outdoors: ['Outdoor Recreation', 'Outdoors'],
  Baby: ['Baby & Nursery', 'Baby', 'Baby Products'],
  Televisions: ['Home Entertainment', 'Televisions', 'TV & Video'],
  Watches: ['Watches'],
  Luggage: ['Luggage', 'Luggage & Travel Gear'],
  'Musical Instruments': ['Musical Instruments'],
  'Amazon Devices': ['Fire Tablets', 'Fire Tablets Accessories', 'Kindle E-readers', 'Kindle E-readers Accessories', 'Echo Devices', 'Echo & Alexa Accessories', 'Fire TV Devices', 'Fire TV Accessories', 'Ring Alarms and Smart Lighting', 'Ring Video Doorbells and Cameras', 'Amazon Devices'],
  'Luxury Beauty': ['Luxury Beauty', 'Premium Beauty'],
  'Physical Video Games & Consoles': ['Video Games'],
  'Amazon Fashion Private Label': ['Softlines Private Label', 'Amazon Fashion Private Brands'],
  'DVD & Blu-ray': ['Blu-Ray & DVD', 'Movies & TV'],
  'Digital Videos': ['Video On Demand: Rent or Buy', 'Digital Video Subscription', 'Prime Video'],
  'Gift Cards': ['Amazon Gift Cards', 'Other Gift Card Brands', 'Gift Cards'],
  'Physical Music': ['CDs & Vinyl'],
  'Digital Music': ['Digital Music'],
  Alcohol: ['Wine, Spirits & Beer'],
  Handmade: ['Handmade'],
  'Amazon Pantry': ['Amazon Pantry'],
  'Amazon Games': ['Amazon Games'],
  Headphones: ['Headphones'],
};

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('ledger_entries')
    .addColumn('report_type', 'text', (c) => c.notNull().defaultTo('events').check(sql`report_type in ('earnings', 'orders', 'bounty', 'events', 'release')`))
    .addColumn('source_line', 'integer')
    .addColumn('rate_bp', 'integer')
    .execute();
  // Window re-issues look up earlier entries by report type, marketplace, tracking ID and time.
  await sql`CREATE INDEX ledger_entries_window_idx ON ledger_entries (network, report_type, marketplace, tracking_id, occurred_at)`.execute(db);
  // Pending estimates are released by confirmed shipments of the same tracking ID and ASIN.
  await sql`CREATE INDEX ledger_entries_match_idx ON ledger_entries (tracking_id, asin, occurred_at) WHERE kind IN ('pending', 'confirmed')`.execute(db);
  await sql`CREATE INDEX ledger_entries_unattributed_idx ON ledger_entries (tracking_id) WHERE influencer_id IS NULL`.execute(db);
  await sql`CREATE INDEX ledger_entries_ingest_idx ON ledger_entries (ingest_id, influencer_id)`.execute(db);
  await sql`CREATE INDEX ledger_entries_reverses_idx ON ledger_entries (reverses_entry_id) WHERE reverses_entry_id IS NOT NULL`.execute(db);

  const rows: Array<{ marketplace: string; category: string; rate_bp: number; effective_from: string; effective_to: string | null }> = [];
  for (const [bp, cats] of Object.entries(BEFORE_2020_04_21)) for (const c of cats) rows.push({ marketplace: 'US', category: c, rate_bp: Number(bp), effective_from: '2017-03-01', effective_to: '2020-04-21' });
  for (const [bp, cats] of Object.entries(SINCE_2020_04_21)) for (const c of cats) rows.push({ marketplace: 'US', category: c, rate_bp: Number(bp), effective_from: '2020-04-21', effective_to: null });
  await db.insertInto('rate_cards').values(rows).execute();

  const mappings = Object.entries(REPORT_CATEGORIES).flatMap(([rate, names]) => names.map((n) => ({ marketplace: 'US', report_category: n, rate_category: rate })));
  await db.insertInto('category_mappings').values(mappings).onConflict((oc) => oc.doNothing()).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('category_mappings').where('marketplace', '=', 'US').execute();
  await db.deleteFrom('rate_cards').where('marketplace', '=', 'US').execute();
  for (const idx of ['ledger_entries_ingest_idx', 'ledger_entries_window_idx', 'ledger_entries_match_idx', 'ledger_entries_unattributed_idx', 'ledger_entries_reverses_idx']) await db.schema.dropIndex(idx).ifExists().execute();
  await db.schema.alterTable('ledger_entries').dropColumn('report_type').dropColumn('source_line').dropColumn('rate_bp').execute();
}
