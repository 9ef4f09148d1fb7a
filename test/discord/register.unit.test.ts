// `npm run discord:register`: the commands Discord gets are built from the command core's definitions and obey
// Discord's rules; the script bulk-overwrites them (PUT) globally or in one guild, so running it again is harmless.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bots/discord/register.ts';
import { discordCommands } from '../../bots/discord/registration.ts';
import { COMMANDS } from '../../src/commands/index.ts';
import type { CommandDef } from '../../src/commands/types.ts';
import { FakeDiscord } from '../support/fakeDiscord.ts';
import { APPLICATION_ID, BOT_TOKEN } from './helpers.ts';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await FakeDiscord.start();
});
afterAll(async () => {
  await fake?.close();
});

type Opt = {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  choices?: Array<{ name: string; value: string }>;
  autocomplete?: boolean;
  max_length?: number;
  options?: Opt[];
};

describe('the Discord command definitions', () => {
  it('then every core command, subcommand and option is there, typed, with its choices and autocomplete flag', () => {
    const built = discordCommands();
    expect(built.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    for (const [i, cmd] of COMMANDS.entries()) {
      const b = built[i]!;
      expect(b.type).toBe(1);
      const subs = (b.options ?? []) as Opt[];
      const pairs = cmd.subcommands
        ? cmd.subcommands.map((s) => [s.options, subs.find((o) => o.name === s.name && o.type === 1)?.options ?? []] as const)
        : [[cmd.options ?? [], subs] as const];
      if (cmd.subcommands) expect(subs.map((s) => s.name)).toEqual(cmd.subcommands.map((s) => s.name));
      for (const [defs, opts] of pairs) {
        expect(opts.map((o) => o.name)).toEqual(defs.map((d) => d.name));
        for (const [j, d] of defs.entries()) {
          const o = opts[j]!;
          expect(o.type).toBe({ string: 3, integer: 4, user: 6 }[d.type]);
          expect(o.required).toBe(d.required ?? false);
          expect(o.choices?.map((c) => c.value)).toEqual(d.choices ? [...d.choices] : undefined);
          expect(o.autocomplete ?? false).toBe(Boolean(d.autocomplete));
        }
      }
    }
    const link = built.find((c) => c.name === 'link')!;
    expect(link.options).toEqual([
      { type: 3, name: 'product', description: 'ASIN or Amazon product link', required: true, max_length: 2048, autocomplete: true },
      { type: 3, name: 'campaign', description: 'campaign name to tell channels apart, like tiktok', required: false, max_length: 40 },
    ]);
    const grant = (built.find((c) => c.name === 'digest')!.options as Opt[]).find((o) => o.name === 'grant')!;
    expect(grant.options).toEqual([{ type: 6, name: 'user', description: 'the person to make a manager', required: true }]);
  });

  it('then names, descriptions, option counts and order obey Discord’s rules', () => {
    const check = (o: Opt | (typeof built)[number]) => {
      expect(o.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(o.description.length).toBeGreaterThan(0);
      expect(o.description.length).toBeLessThanOrEqual(100);
    };
    const built = discordCommands();
    for (const c of built) {
      check(c);
      const level = (opts: Opt[]) => {
        expect(opts.length).toBeLessThanOrEqual(25);
        const firstOptional = opts.findIndex((o) => !o.required);
        if (firstOptional >= 0) expect(opts.slice(firstOptional).every((o) => !o.required)).toBe(true);
        for (const o of opts) {
          check(o);
          expect((o.choices?.length ?? 0) <= 25).toBe(true);
          if (o.options) level(o.options);
        }
      };
      level((c.options ?? []) as Opt[]);
    }
    // The storefront description is longer than Discord allows: cut at a word, marked.
    const storefront = built.find((c) => c.name === 'storefront')!;
    expect(storefront.description.endsWith('…')).toBe(true);
    expect(storefront.description.length).toBeLessThanOrEqual(100);
  });

  it('then a definition Discord would refuse fails when built, naming each problem', () => {
    const bad: CommandDef = {
      name: 'Shop',
      description: 'x',
      options: [
        { name: 'a', type: 'string', description: 'optional first' },
        { name: 'b', type: 'string', required: true, description: 'required after optional' },
        { name: 'c', type: 'string', description: 'both', choices: ['x'], autocomplete: 'list' },
      ],
    };
    expect(() => discordCommands([bad])).toThrow(
      /"Shop" must be 1-32 lowercase[\s\S]*required options must come before optional ones[\s\S]*choices and autocomplete cannot both be set/,
    );
  });
});

describe('when an operator runs npm run discord:register', () => {
  const env = (extra: Record<string, string> = {}) => ({
    NODE_ENV: 'test',
    DISCORD_APPLICATION_ID: APPLICATION_ID,
    DISCORD_BOT_TOKEN: BOT_TOKEN,
    DISCORD_API_URL: fake.apiUrl,
    LOG_LEVEL: 'silent',
    ...extra,
  });

  it('then it bulk-overwrites the global commands with a PUT of exactly the built definitions, and a second run changes nothing', async () => {
    const out: string[] = [];
    expect(
      await main(
        env(),
        (s) => out.push(s),
        (s) => out.push(s),
      ),
    ).toBe(0);
    const puts = fake.callsTo('PUT', new RegExp(`^/applications/${APPLICATION_ID}/commands$`));
    expect(puts).toHaveLength(1);
    expect(puts[0]!.auth).toBe(`Bot ${BOT_TOKEN}`);
    expect(puts[0]!.body).toEqual(JSON.parse(JSON.stringify(discordCommands())));
    expect(out.join('')).toContain('Registered 4 commands (/storefront, /link, /earnings, /digest) globally.');
    const firstSet = fake.commands.get('global')!.map((c) => c.name);

    expect(
      await main(
        env(),
        () => undefined,
        () => undefined,
      ),
    ).toBe(0);
    const again = fake.callsTo('PUT', new RegExp(`^/applications/${APPLICATION_ID}/commands$`));
    expect(again).toHaveLength(2);
    expect(again[1]!.body).toEqual(again[0]!.body);
    expect(fake.commands.get('global')!.map((c) => c.name)).toEqual(firstSet);
  });

  it('then with DISCORD_GUILD_ID it registers in that guild only, also as the real script', async () => {
    const guild = '900000000000000123';
    const script = resolve('bots/discord/register.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env({ DISCORD_GUILD_ID: guild }) } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(0);
    expect(stdout).toContain(`in server ${guild}`);
    const [put] = fake.callsTo('PUT', new RegExp(`^/applications/${APPLICATION_ID}/guilds/${guild}/commands$`));
    expect(put!.body).toEqual(JSON.parse(JSON.stringify(discordCommands())));
  });

  it('then without the application id and bot token it says what is missing and sends nothing', async () => {
    const before = fake.calls.length;
    const err: string[] = [];
    expect(
      await main(
        { NODE_ENV: 'test', DISCORD_API_URL: fake.apiUrl },
        () => undefined,
        (s) => err.push(s),
      ),
    ).toBe(1);
    expect(err.join('')).toContain('needs DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN');
    expect(fake.calls.length).toBe(before);
  });
});
