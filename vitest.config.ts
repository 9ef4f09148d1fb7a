import { defineConfig } from 'vitest/config';

// Four projects: `unit` (*.unit.test.ts) needs no Postgres or Redis and runs in seconds; `integration` (every other
// *.test.ts) runs against the real services, in one throwaway database and Redis key prefix per run, both removed
// at the end; `process` (test/process/**) starts the service, the CLI and the scripts as child processes, and copies
// the repository into an empty directory for the quick start (slow: each process loads everything); `faults`
// (test/faults/**/*.faults.test.ts) runs the service as child processes against a database and redis-servers of
// its own and takes them away (Postgres through a relay it cuts and stalls). `npm test` runs the first two, CI all
// four (`npm run test:process`, `npm run test:faults`).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel forks. Modules are loaded once per fork and shared by the files it runs
    // (isolate: false): loading Bolt, discord.js and BullMQ per file cost more than the tests themselves
    // (npm test 131 s → 75 s on the 2-core machine). Test files keep no module-level state that another file reads.
    pool: 'forks',
    maxWorkers: 2,
    isolate: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.unit.test.ts'],
          setupFiles: ['test/support/noServices.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.unit.test.ts', 'test/faults/**', 'test/process/**'],
          globalSetup: ['test/support/globalSetup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'process',
          include: ['test/process/**/*.test.ts'],
          globalSetup: ['test/support/globalSetup.ts'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.faults.test.ts'],
          globalSetup: ['test/faults/support/globalSetup.ts'],
          // Each file runs the service (and its own redis-server) as child processes: one file at a time, so the
          // recovery figures measure the service, not two suites fighting over two cores.
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
