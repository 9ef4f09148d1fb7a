// What a script can rely on before any database is touched: help, bad usage (exit 2) and a bad configuration (exit 1).
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import { runCliCaptured } from '../support/cli.ts';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCliCaptured(args, env);

describe('when an operator asks the CLI for help', () => {
  it('then the top-level help lists every command and documents the exit codes', async () => {
    const r = await cli(['--help']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^Usage: npm run cli -- <command> \[options\]/);
    for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${c.name} +\\S`, 'm'));
    expect(r.out).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 {2}the operation failed[^\n]*\n {2}2 {2}bad usage/);
    // No arguments at all: the same help, on stdout.
    expect(await cli([])).toMatchObject({ code: 0, out: r.out.trimEnd() });
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('then "%s --help" shows its usage, options and --json, and exits 0', async (name, c) => {
    const r = await cli([...name.split(' '), '--help']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(`Usage: npm run cli -- ${c.usage}`);
    expect(r.out).toContain(c.summary);
    for (const option of Object.keys(c.options)) expect(r.out).toContain(`--${option}`);
    expect(r.out).toMatch(/--json +print the result as JSON/);
    expect(r.out).toMatch(/-h, --help +show this help/);
  });

  it('then a group of commands lists its subcommands', async () => {
    const r = await cli(['influencer', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/create \[options\] +Create an influencer/);
    expect(r.out).toMatch(/list \[options\] +List influencers/);
    expect((await cli(['link', 'help', 'list'])).out).toContain('Usage: npm run cli -- link list --handle <handle>');
  });
});

describe('when an operator mistypes a command', () => {
  it('then an unknown command exits 2 with a hint, at the top and inside a group', async () => {
    const top = await cli(['frobnicate']);
    expect(top).toMatchObject({ code: 2, out: '' });
    expect(top.err).toMatch(/^Error: unknown command 'frobnicate'\nRun "npm run cli -- --help" for the list of commands\.$/);
    const inGroup = await cli(['influencer', 'delete']);
    expect(inGroup).toMatchObject({ code: 2, out: '', err: expect.stringContaining("Error: unknown command 'delete'") });
    expect((await cli(['influencer', 'craete'])).err).toContain('(Did you mean create?)');
  });

  it('then an unknown option exits 2 and shows the usage line', async () => {
    const r = await cli(['influencer', 'create', '--bogus']);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err.split('\n')).toEqual([
      "Error: unknown option '--bogus'",
      'Usage: npm run cli -- influencer create --handle <handle> --name <display name> --tracking-id <id-20> [--marketplace US] [--org <id>]',
      'Run "npm run cli -- influencer create --help" for its options.',
    ]);
    expect(await cli(['org', 'list', '--org', '1'])).toMatchObject({ code: 2, err: expect.stringContaining("unknown option '--org'") });
  });

  it('then every missing required option is named at once and it exits 2', async () => {
    expect(await cli(['influencer', 'create', '--handle', 'ok'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^Error: Missing --name, --tracking-id\.\nUsage: /),
    });
    expect(await cli(['link', 'list'])).toMatchObject({ code: 2, err: expect.stringMatching(/^Error: Missing --handle\./) });
    // An empty value is as good as none.
    expect(await cli(['link', 'list', '--handle', ''])).toMatchObject({ code: 2, err: expect.stringMatching(/^Error: Missing --handle\./) });
    expect(await cli(['ingest', 'x.csv'])).toMatchObject({ code: 2, err: expect.stringContaining('Missing --network') });
    expect(await cli(['link', 'list', '--handle'])).toMatchObject({ code: 2, err: expect.stringContaining("option '--handle <handle>' argument missing") });
  });

  it('then the wrong number of arguments exits 2', async () => {
    expect(await cli(['ingest', '--network', 'amazon'])).toMatchObject({ code: 2, err: expect.stringContaining("missing required argument 'file'") });
    expect(await cli(['ingest', 'a.csv', 'b.csv', '--network', 'amazon'])).toMatchObject({ code: 2, err: expect.stringContaining('too many arguments') });
    expect(await cli(['org', 'list', 'everything'])).toMatchObject({ code: 2, err: expect.stringContaining('too many arguments') });
    // A group on its own is a command missing its last word.
    expect(await cli(['influencer'])).toMatchObject({ code: 2, out: '', err: expect.stringContaining('Usage: npm run cli -- influencer [options] [command]') });
  });
});

describe('when the configuration is invalid', () => {
  it('then a well-formed command exits 1 with the one line naming the variable', async () => {
    const r = await cli(['org', 'list', '--json'], { DATABASE_URL: 'not a url' });
    expect(r).toMatchObject({ code: 1, out: '', err: 'Error: Invalid configuration: DATABASE_URL must be an absolute URL' });
  });
});
