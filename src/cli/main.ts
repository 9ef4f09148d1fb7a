// `npm run cli -- <command> [options]`: operator commands over the same domain functions the bots use.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { createDb } from '../db/database.ts';
import { ensureDatabase, migrateToLatest } from '../db/migrate.ts';
import { isUserError } from '../errors.ts';
import { COMMANDS } from './commands.ts';
import { makeResolver, type CliCommand } from './context.ts';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return ['Usage: npm run cli -- <command> [options] [--json]', '', 'Commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '', 'Run a command with --help for its options.'].join('\n');
}

function commandHelp(c: CliCommand): string {
  const lines = [`Usage: npm run cli -- ${c.usage}`, '', c.summary, '', 'Options:'];
  for (const [name, o] of Object.entries(c.options)) lines.push(`  --${name.padEnd(14)} ${o.description}${o.required ? ' (required)' : ''}`);
  lines.push(`  --${'json'.padEnd(14)} print the result as JSON`, `  --${'help'.padEnd(14)} show this help`);
  return lines.join('\n');
}

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = (s) => void process.stdout.write(s + '\n'),
  err: (s: string) => void = (s) => void process.stderr.write(s + '\n'),
): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const command = COMMANDS.find((c) => c.name.split(' ').every((w, i) => words[i] === w));
  if (!command) {
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
      out(help());
      return 0;
    }
    err(`Unknown command "${words.slice(0, 2).join(' ')}".\n\n${help()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(command.name.split(' ').length),
      options: { ...Object.fromEntries(Object.entries(command.options).map(([k, o]) => [k, { type: o.type }])), json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: Boolean(command.positionals),
      strict: true,
    });
  } catch (e) {
    err(`${(e as Error).message}\n\n${commandHelp(command)}`);
    return 2;
  }
  if (parsed.values.help) {
    out(commandHelp(command));
    return 0;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const missing = Object.entries(command.options).filter(([k, o]) => o.required && (values[k] === undefined || values[k] === ''));
  if (missing.length) {
    err(`Missing ${missing.map(([k]) => `--${k}`).join(', ')}.\n\n${commandHelp(command)}`);
    return 2;
  }

  let config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
  await ensureDatabase(config.DATABASE_URL);
  const db = createDb(config.DATABASE_URL, 2);
  try {
    await migrateToLatest(db);
    const result = await command.run({ config, db, resolveShort: makeResolver(config), out }, values, parsed.positionals);
    out(parsed.values.json ? JSON.stringify(result, null, 2) : command.format(result as never));
    return 0;
  } catch (e) {
    if (isUserError(e)) {
      if (parsed.values.json) out(JSON.stringify({ error: { code: e.code, message: e.message } }));
      err(`Error: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await db.destroy();
  }
}

// Run when invoked directly (not when imported by tests).
if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
