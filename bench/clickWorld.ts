// The click benchmarks' world: 3 organisations (240, 100 and 60 influencers), 400 influencers with a tracking ID
// each, 4,000 products and 40,000 links (100 per influencer: those of influencer k are l0 + k*100 … + 99).
import { sql } from 'kysely';
import type { Db } from '../src/db/database.ts';

export async function seedClickWorld(db: Db): Promise<{ firstInfluencer: number; firstLink: number }> {
  await sql`INSERT INTO organisations (name) SELECT 'org ' || g FROM generate_series(1, 3) g`.execute(db);
  // Influencers 1-240 in the first organisation, 241-340 the second, the rest the third.
  await sql`INSERT INTO influencers (organisation_id, handle, display_name)
            SELECT (SELECT min(id) FROM organisations) + CASE WHEN g <= 240 THEN 0 WHEN g <= 340 THEN 1 ELSE 2 END, 'bench' || g, 'Creator ' || g
              FROM generate_series(1, 400) g`.execute(db);
  await sql`INSERT INTO tracking_ids (tracking_id, marketplace, influencer_id, is_default, organisation_id)
            SELECT i.handle || '-20', 'US', i.id, true, i.organisation_id FROM influencers i`.execute(db);
  await sql`INSERT INTO products (marketplace, asin, title) SELECT 'US', 'B' || lpad(g::text, 9, '0'), 'Product ' || g FROM generate_series(1, 4000) g`.execute(
    db,
  );
  await sql`INSERT INTO links (code, influencer_id, product_id, tracking_id_id, campaign, destination_url)
            SELECT 'b' || i.id || 'x' || g, i.id, (SELECT min(id) FROM products) + (i.id * 37 + g) % 4000, t.id, 'c' || g, 'https://www.amazon.com/dp/x'
              FROM influencers i JOIN tracking_ids t ON t.influencer_id = i.id CROSS JOIN generate_series(0, 99) g`.execute(db);
  const ids = (await sql<{ i0: string; l0: string }>`SELECT (SELECT min(id) FROM influencers) AS i0, (SELECT min(id) FROM links) AS l0`.execute(db)).rows[0]!;
  return { firstInfluencer: Number(ids.i0), firstLink: Number(ids.l0) };
}
