// Runs one recorded ingest through the real path (runIngest → ingestFile → the feed reader → COPY → ledger SQL) in a
// process of its own, then prints its outcome and the process's peak resident memory as one JSON line.
// Usage: node --import tsx test/hostile/support/ingestChild.ts <ingest id>   (DATABASE_URL from the environment)
import { createDb } from '../../../src/db/database.ts';
import { runIngest } from '../../../src/domain/ingest/runIngest.ts';

const db = createDb(process.env.DATABASE_URL!, 2);
let outcome: Record<string, unknown>;
try {
  const { status } = await runIngest(db, process.argv[2]!);
  outcome = { status: status.status, error: status.error, counts: status.counts };
} catch (err) {
  outcome = { status: 'thrown', error: (err as Error).message };
}
await db.destroy();
// ru_maxrss: the high-water mark of the whole process, in KiB on Linux.
process.stdout.write(`${JSON.stringify({ ...outcome, maxRssKb: process.resourceUsage().maxRSS })}\n`);
