// The other end of ensureDatabase: tests and benchmarks make a throwaway database per run and remove it when done.
import pg from 'pg';

/** Drops the database `databaseUrl` names, if it exists, closing any connection still open on it. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  // Connected to the server's maintenance database: a database cannot drop itself.
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
