// A digest subscription says from which local day it starts (starts_local_date) apart from the day it was last
// sent (last_sent_local_date). Subscribing after today's time used to mark today as sent, so moving the time later
// the same day never sent today's digest; now a change of time or zone only moves the start.
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE digest_subscriptions ADD COLUMN starts_local_date text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE digest_subscriptions DROP COLUMN IF EXISTS starts_local_date`.execute(db);
}
