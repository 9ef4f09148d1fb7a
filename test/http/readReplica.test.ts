// DATABASE_READ_URL: the read-heavy paths (storefront pages and share cards, /earnings, digests) read a replica,
// everything that writes or must see its own write reads the primary, and /readyz says how the replica is.
// The "replica" here is a database of its own holding different rows, so each answer shows which one it read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDatabase, migrateToLatest } from '../../src/db/migrate.ts';
import { createInfluencer } from '../../src/domain/organisations/influencers.ts';
import type { Runtime } from '../../src/runtime.ts';
import { newWorkspace, replyText, run } from '../support/commands.ts';
import { startTestApp, testDb, unique } from '../support/env.ts';
import { newOrganisation, seedEarning } from '../support/fixtures.ts';
import { privateDatabase } from '../support/privateDatabase.ts';

const db = testDb();
const replica = privateDatabase('replica', 2);
let app: Runtime & { url: string };
beforeAll(async () => {
  await ensureDatabase(replica.url);
  await migrateToLatest(replica.db);
  app = await startTestApp({ DATABASE_READ_URL: replica.url });
});
afterAll(async () => {
  await app?.close();
  await db.destroy();
});

/** Copies rows as they are (same ids) from the primary to the replica, as replication would. */
async function replicate(table: 'organisations' | 'influencers', id: number) {
  const row = await db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  await replica.db
    .insertInto(table)
    .values(row as never)
    .execute();
}

describe('when the service has a read replica', () => {
  it('then storefront pages and share cards come from the replica, not the primary', async () => {
    const onReplica = unique('rep');
    const org = await newOrganisation(replica.db);
    await createInfluencer(replica.db, { handle: onReplica, displayName: 'Replica Rita', trackingId: `${onReplica}-20`, organisationId: org });
    const onPrimaryOnly = unique('pri');
    await createInfluencer(db, {
      handle: onPrimaryOnly,
      displayName: 'Primary Pat',
      trackingId: `${onPrimaryOnly}-20`,
      organisationId: await newOrganisation(db),
    });

    const page = await fetch(`${app.url}/s/${onReplica}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Replica Rita');
    expect((await fetch(`${app.url}/s/${onReplica}/card.png`)).status).toBe(200);
    expect((await fetch(`${app.url}/s/${onPrimaryOnly}`)).status).toBe(404);
  });

  it('then /earnings reads its figures from the replica while the person is found on the primary', async () => {
    const ws = newWorkspace();
    const me = ws.person();
    const handle = unique('re');
    await run(db, me, 'storefront', `setup ${handle} ${handle}-20`);
    const influencer = await db.selectFrom('influencers').select(['id', 'organisation_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
    await replicate('organisations', influencer.organisation_id);
    await replicate('influencers', influencer.id);
    await seedEarning(replica.db, handle, 4_321, { asin: 'B000000001', name: 'Kettle' });
    await seedEarning(db, handle, 99, { asin: 'B000000001', name: 'Kettle' });

    expect(replyText(await run(db, me, 'earnings', '7d', { readDb: replica.db }))).toContain('Confirmed: $43.21');
    expect(replyText(await run(db, me, 'earnings', '7d'))).toContain('Confirmed: $0.99');
  });

  it('then /readyz reports the replica beside the primary', async () => {
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', postgres: 'ok', postgresRead: 'ok' });
  });
});
