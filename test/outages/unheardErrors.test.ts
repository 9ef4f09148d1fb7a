// Every place an 'error' event could go unheard, proven heard: a pooled Postgres client checked out (as the ingest's
// COPY checks one out) whose connection is terminated, in the service's pool and in a pool made the CLI's way; and
// the HTTP server after it has started. An unheard one would be an uncaught exception (the test fails on it).
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDb, poolOf } from '../../src/db/database.ts';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb } from '../support/env.ts';
import { waitFor } from '../support/wait.ts';
import { failOnUnheardErrors } from './support/unheard.ts';

failOnUnheardErrors();
const db = testDb();
afterAll(() => db.destroy());

const terminate = (pid: number) => sql`SELECT pg_terminate_backend(${pid})`.execute(db);

describe('when the connection of a checked-out Postgres client is terminated', () => {
  it('then, in a pool made the way the CLI makes its own, the error is heard and the next query gets a new connection', async () => {
    const cliDb = createDb(inject('databaseUrl'), 2);
    try {
      const client = await poolOf(cliDb).connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Only the pool's own listener hears it (none is added here): unheard, the terminated connection's 'error'
      // event would be an uncaught exception.
      expect(client.listenerCount('error')).toBeGreaterThan(0);
      await terminate(rows[0]!.pid);
      await waitFor(
        () =>
          client.query('SELECT 1').then(
            () => 'answered',
            () => 'failed',
          ),
        (s) => s === 'failed',
      );
      client.release(true);
      expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(cliDb)).rows).toEqual([{ one: 1 }]);
    } finally {
      await cliDb.destroy();
    }
  });

  it('then, in the service, it is reported as a Postgres outage (logged once) and the process goes on', async () => {
    const app = await startRuntime(testConfig(), { log: createLogger('silent') });
    try {
      const client = await poolOf(app.db).connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await terminate(rows[0]!.pid);
      await waitFor(
        async () => app.connections.postgres.available,
        (up) => !up,
      );
      client.release(true);
      expect(await app.connections.postgres.check('test')).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('when the HTTP server meets an error after it has started', () => {
  it('then it is logged, not thrown', async () => {
    const app = (await startRuntime(testConfig(), { web: true, log: createLogger('silent') })) as Runtime & { url: string };
    try {
      expect(() => app.server!.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }))).not.toThrow();
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
