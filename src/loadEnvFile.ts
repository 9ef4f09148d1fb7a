// Called first by every entry point (service, workers, CLI, bots' scripts): reads `.env` from the working
// directory when there is one, with Node's own loader. Variables already set in the environment win.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Loads `file` (default ./.env) into process.env if it exists; returns whether it did. */
export function loadEnvFile(file = path.resolve('.env')): boolean {
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
