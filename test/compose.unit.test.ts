// Docker cannot run here, so the deployment files are checked as data: what an operator running
// `docker compose up --build` relies on, and that the app's environment matches what src/config.ts reads.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../src/config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: Array<string | { target?: number; published?: number | string }>;
}

const compose = parse(read('docker-compose.yml')) as { services?: Record<string, Service> };
const services = compose.services ?? {};
const service = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
};

/** environment as a map, whichever of the two Compose forms (map or KEY=VALUE list) is used. */
function environmentOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((line) => [line.split('=')[0]!, line.includes('=') ? line.slice(line.indexOf('=') + 1) : '']));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/**
 * Compose variable interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$) against a
 * given shell environment. A required variable that is missing throws, as `docker compose` refuses to start.
 */
function interpolate(value: string, shell: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name: string | undefined, op: string | undefined, def: string | undefined) => {
      if (whole === '$$') return '$';
      const v = shell[name!];
      if (op === ':-') return v === undefined || v === '' ? def! : v;
      if (op === '-') return v === undefined ? def! : v;
      if ((op === ':?' && (v === undefined || v === '')) || (op === '?' && v === undefined))
        throw new Error(`required variable ${name} is missing a value: ${def}`);
      return v ?? '';
    },
  );
}

const resolveEnv = (shell: Record<string, string>) => Object.fromEntries(Object.entries(appEnv).map(([k, v]) => [k, interpolate(v, shell)]));
// What an operator must provide: the app runs with NODE_ENV=production, which has no public defaults for these.
const OPERATOR_SECRETS = { ENCRYPTION_KEY: 'ab'.repeat(32), CLICK_HASH_SECRET: 'operator-chosen-click-secret' };

const tokens = (command: Service['command']) => (Array.isArray(command) ? command : (command ?? '').split(/\s+/)).filter(Boolean);
const appEnv = environmentOf(service('app'));
const schemaKeys = Object.keys(configSchema.shape);

describe('docker-compose.yml', () => {
  it('when an operator runs compose, then it starts postgres, redis and the app built from this repository', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'app']));
    expect(service('postgres').image).toMatch(/^postgres:16/);
    expect(service('redis').image).toMatch(/^redis:7/);
    expect(service('app').build).toBeDefined();
  });

  it('when Redis runs low on memory, then it refuses writes instead of evicting queued jobs, and it keeps an append-only file', () => {
    const args = tokens(service('redis').command);
    expect(args).toContain('--maxmemory-policy');
    expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
  });

  it('when the stack starts, then the app waits for healthy Postgres and Redis', () => {
    const deps = service('app').depends_on;
    expect(Array.isArray(deps)).toBe(false);
    expect(deps).toMatchObject({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  });

  it('then every service has a healthcheck that really probes it', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.healthcheck, `${name} has no healthcheck`).toBeDefined();
      expect(s.healthcheck!.disable ?? false).toBe(false);
      const test = Array.isArray(s.healthcheck!.test) ? s.healthcheck!.test.join(' ') : (s.healthcheck!.test ?? '');
      expect(test, `${name} healthcheck`).not.toBe('');
      expect(test).not.toMatch(/^NONE/);
    }
    expect(String(service('postgres').healthcheck!.test)).toMatch(/pg_isready/);
    expect(String(service('redis').healthcheck!.test)).toMatch(/redis-cli.*ping/);
    // Slim Node images have no curl or wget: the app's probe must use node and hit /healthz.
    const appTest = (service('app').healthcheck!.test as string[]).join(' ');
    expect(appTest).toMatch(/\bnode\b/);
    expect(appTest).not.toMatch(/\b(curl|wget)\b/);
    expect(appTest).toContain('/healthz');
  });

  it('then the app environment names every variable a deployment must set, including each Slack, Discord and feeds variable', () => {
    const platformKeys = schemaKeys.filter((k) => /^(SLACK_|DISCORD_)/.test(k) || k === 'FEED_API_TOKEN');
    expect(platformKeys.length).toBeGreaterThanOrEqual(12);
    const mustSet = ['DATABASE_URL', 'REDIS_URL', 'PUBLIC_BASE_URL', 'PORT', ...platformKeys];
    const missing = mustSet.filter((k) => !(k in appEnv));
    expect(missing).toEqual([]);
  });

  it('then every variable in the app environment is one the app reads (no typos silently ignored)', () => {
    const unknown = Object.keys(appEnv).filter((k) => !schemaKeys.includes(k));
    expect(unknown).toEqual([]);
  });

  it('when ENCRYPTION_KEY or CLICK_HASH_SECRET is not set in the shell, then compose refuses to start, naming it', () => {
    expect(appEnv.NODE_ENV).toBe('production');
    expect(() => resolveEnv({})).toThrow(/required variable (ENCRYPTION_KEY|CLICK_HASH_SECRET)/);
    expect(() => resolveEnv({ CLICK_HASH_SECRET: OPERATOR_SECRETS.CLICK_HASH_SECRET })).toThrow(
      /required variable ENCRYPTION_KEY is missing a value: set ENCRYPTION_KEY/,
    );
    expect(() => resolveEnv({ ENCRYPTION_KEY: OPERATOR_SECRETS.ENCRYPTION_KEY })).toThrow(
      /required variable CLICK_HASH_SECRET is missing a value: set CLICK_HASH_SECRET/,
    );
    expect(() => resolveEnv({ ...OPERATOR_SECRETS, ENCRYPTION_KEY: '' })).toThrow(/ENCRYPTION_KEY/);
  });

  it('when only the two secrets are set in the shell, then the app environment passes config validation and points at the compose services', () => {
    const resolved = resolveEnv(OPERATOR_SECRETS);
    const config = loadConfig(resolved);
    expect(config.NODE_ENV).toBe('production');
    expect(config.ENCRYPTION_KEY).toBe(OPERATOR_SECRETS.ENCRYPTION_KEY);
    expect(config.ENCRYPTION_KEY_PREVIOUS).toBeUndefined();
    expect(config.METRICS_PORT).toBeUndefined();
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(new URL(config.DATABASE_URL).hostname).toBe('postgres');
    expect(new URL(config.REDIS_URL).hostname).toBe('redis');
    expect(config.HOST).toBe('0.0.0.0');
    // Absent platforms stay off rather than being configured with empty strings.
    expect(config.SLACK_SIGNING_SECRET).toBeUndefined();
    expect(config.DISCORD_PUBLIC_KEY).toBeUndefined();
    expect(config.FEED_API_TOKEN).toBeUndefined();
    // The database password the app uses is the one Postgres was initialised with.
    const pgEnv = environmentOf(service('postgres'));
    const password = interpolate(pgEnv.POSTGRES_PASSWORD ?? '', {});
    if (pgEnv.POSTGRES_HOST_AUTH_METHOD !== 'trust') {
      expect(password).not.toBe('');
      expect(decodeURIComponent(new URL(config.DATABASE_URL).password)).toBe(password);
    }
    expect(new URL(config.DATABASE_URL).pathname).toBe(`/${interpolate(pgEnv.POSTGRES_DB ?? 'postgres', {})}`);
    // The published port reaches the port the app listens on.
    const ports = (service('app').ports ?? []).map((p) => (typeof p === 'string' ? Number(p.split(':').at(-1)) : p.target));
    expect(ports).toContain(config.PORT);
  });

  it('when an operator sets the platform variables in the shell, then they reach the app unchanged', () => {
    const shell = {
      SLACK_SIGNING_SECRET: 'signing-secret',
      SLACK_BOT_TOKEN: 'xoxb-1',
      DISCORD_PUBLIC_KEY: 'a'.repeat(64),
      DISCORD_APPLICATION_ID: '123',
      FEED_API_TOKEN: 'feed-token-feed-token',
      PUBLIC_BASE_URL: 'https://go.example.com',
      ...OPERATOR_SECRETS,
      ENCRYPTION_KEY_PREVIOUS: 'cd'.repeat(32),
      METRICS_PORT: '9464',
      METRICS_TOKEN: 'metrics-token-metrics-token',
    };
    const config = loadConfig(resolveEnv(shell));
    expect(config).toMatchObject({ ...shell, METRICS_PORT: 9464 });
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  // Instructions with line continuations joined and comments dropped.
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [keyword, ...rest] = l.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
  const last = (keyword: string) => instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
  const portDefault = configSchema.shape.PORT.parse(undefined);

  it('then the container runs the compiled service with plain node as the main process, so SIGTERM reaches the app', () => {
    const cmd = last('CMD');
    expect(cmd).toBeDefined();
    const argv = JSON.parse(cmd!) as string[]; // exec form: no shell in between to swallow signals
    expect(argv).toEqual(['node', `dist/src/main.js`]);
    // What `npm run start:prod` runs, and what `npm run build` (in the build stage) writes.
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start:prod']).toBe(argv.join(' '));
    expect(instructions.some((i) => i.keyword === 'RUN' && i.args === 'npm run build')).toBe(true);
    expect(instructions.some((i) => i.keyword === 'COPY' && /--from=build \/app\/dist/.test(i.args))).toBe(true);
  });

  it('then it exposes the default PORT of the configuration', () => {
    expect(portDefault).toBe(3000);
    expect(last('EXPOSE')?.split(/\s+/)).toContain(String(portDefault));
  });

  it('then it installs production dependencies only and runs as an unprivileged user', () => {
    expect(last('FROM')).toMatch(/^node:20/);
    expect(instructions.some((i) => i.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    const user = last('USER');
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    // The user switch comes before the command runs.
    expect(instructions.findIndex((i) => i.keyword === 'USER')).toBeLessThan(instructions.findIndex((i) => i.keyword === 'CMD'));
  });

  it('then its own healthcheck uses node to ask /healthz', () => {
    const hc = last('HEALTHCHECK');
    expect(hc).toMatch(/CMD/);
    expect(hc).toMatch(/\bnode\b/);
    expect(hc).toContain('/healthz');
  });

  it('then local secrets, dependencies and git history stay out of the build context', () => {
    const ignored = read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', '.env']));
    // …while what the app runs is not excluded.
    for (const needed of ['src', 'bots', 'jobs', 'migrations', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'])
      expect(ignored).not.toContain(needed);
  });
});
