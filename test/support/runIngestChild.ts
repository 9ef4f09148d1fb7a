// Runs one recorded ingest in a process of its own, so a test can kill it mid-file as a crashed worker would be.
// Usage: node --import tsx test/support/runIngestChild.ts <ingest id>   (DATABASE_URL from the environment)
import { createDb } from '../../src/db/database.ts';
import { runIngest } from '../../src/domain/ingest/runIngest.ts';

const db = createDb(process.env.DATABASE_URL!, 2);
await runIngest(db, process.argv[2]!);
await db.destroy();
