// Test fixtures live in the repository (test/fixtures): a fresh clone has nothing beside it to read.
import path from 'node:path';

/** Real Amazon Associates report downloads; see test/fixtures/amazon/SOURCE.md. */
export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/amazon');
