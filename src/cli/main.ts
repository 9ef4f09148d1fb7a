// `npm run cli -- <command> [options]`: operator commands over the same domain functions the bots use.
// Exit codes: 0 success; 1 a failed operation (a UserError, a configuration error, an ingest that ended `failed`,
// anything unexpected); 2 bad usage (unknown command or option, missing required option, wrong number of arguments).
// Errors are one line on stderr, never a stack (CLI_DEBUG=1 adds the stack of an unexpected error).
import { CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';
import { createDb, type Db } from '../db/database.ts';
import { ensureDatabase, migrateToLatest } from '../db/migrate.ts';
import { isUserError } from '../errors.ts';
import { loadEnvFile } from '../loadEnvFile.ts';
import { COMMANDS } from './commands.ts';
import { makeResolver } from './context.ts';
import { buildProgram, EXIT, exitCodeOf, rootHelp, type Invocation } from './program.ts';
import { progressLine, wantsProgress, type TtyLike } from './progress.ts';

export interface CliIo {
  /** Where a live progress line may go: shown only when it is a TTY and --json is off. The entry point passes process.stderr. */
  stderr?: TtyLike | undefined;
}

/** One line, whatever the message holds. */
export const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

/** A readable reason for an unexpected error: AggregateError (e.g. a refused connection to ::1 and 127.0.0.1) has an empty message. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.message) return e.message;
  const first = (e as Partial<AggregateError>).errors?.[0] as unknown;
  if (first instanceof Error && first.message) return first.message;
  const code = (e as NodeJS.ErrnoException).code;
  return code ?? e.name;
}

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = (s) => void process.stdout.write(s + '\n'),
  err: (s: string) => void = (s) => void process.stderr.write(s + '\n'),
  io: CliIo = {},
): Promise<number> {
  if (argv.length === 0) {
    out(rootHelp(COMMANDS).trimEnd());
    return EXIT.ok;
  }
  // Commander's own output (help, usage errors) is collected and handed on as whole lines.
  let stdout = '';
  let stderr = '';
  let invocation: Invocation | undefined;
  const program = buildProgram(COMMANDS, { writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) }, (inv) => (invocation = inv));
  let code: number | undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = exitCodeOf(e);
  } finally {
    if (stdout) out(stdout.trimEnd());
    if (stderr) err(stderr.trimEnd());
  }
  if (code !== undefined) return code;
  if (!invocation) return EXIT.usage;
  return execute(invocation, env, out, err, io);
}

async function execute(inv: Invocation, env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void, io: CliIo): Promise<number> {
  const { command, values, positionals, json } = inv;
  let config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`Error: ${e.message}`);
      return EXIT.failed;
    }
    throw e;
  }
  const progress = wantsProgress(io.stderr, { json }) ? progressLine(io.stderr) : undefined;
  let db: Db | undefined;
  try {
    try {
      await ensureDatabase(config.DATABASE_URL);
      db = createDb(config.DATABASE_URL, 2);
      await migrateToLatest(db);
    } catch (e) {
      throw new DatabaseUnavailable(describeError(e), { cause: e });
    }
    const result = await command.run({ config, db, resolveShort: makeResolver(config), out, progress }, values, positionals);
    progress?.clear();
    const failure = command.failure?.(result as never);
    // With --json the result is printed even when it is a failure (an ingest's status document); as text, a failure is its one line.
    if (json) out(JSON.stringify(result, null, 2));
    else if (failure === undefined) out(command.format(result as never));
    if (failure !== undefined) {
      err(`Error: ${oneLine(failure)}`);
      return EXIT.failed;
    }
    return EXIT.ok;
  } catch (e) {
    progress?.clear();
    if (isUserError(e)) {
      if (json) out(JSON.stringify({ error: { code: e.code, message: e.message } }));
      err(`Error: ${oneLine(e.message)}`);
      return EXIT.failed;
    }
    const message = e instanceof DatabaseUnavailable ? `Cannot use the database (DATABASE_URL): ${e.message}` : describeError(e);
    if (json) out(JSON.stringify({ error: { code: 'internal', message } }));
    err(`Error: ${oneLine(message)}`);
    if (env.CLI_DEBUG === '1' && e instanceof Error && e.stack) err(e.stack);
    return EXIT.failed;
  } finally {
    await db?.destroy();
  }
}

class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

// Run when invoked directly (not when imported by tests).
if (import.meta.url === `file://${process.argv[1]}`) {
  loadEnvFile();
  runCli(process.argv.slice(2), process.env, undefined, undefined, { stderr: process.stderr }).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`Error: ${oneLine(describeError(e))}\n`);
      process.exit(EXIT.failed);
    },
  );
}
