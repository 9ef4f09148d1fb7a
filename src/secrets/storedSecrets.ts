// Where secrets live in Postgres, and how each is sealed (src/secrets/secretBox.ts):
//   slack_workspaces.bot_token           the workspace's bot token (text: the sealed string)
//   slack_workspaces.installation        the OAuth installation (jsonb); its tokens (bot/user token and refresh
//                                        token, incoming webhook URL) are sealed strings inside it
//   feed_sources.headers                 request headers of a polled report URL (jsonb: one sealed JSON string)
//   catalogue_credentials.credential_secret  an organisation's Creators API client secret (always written sealed)
// Each value's sealing context names its table, column (or JSON path) and row, and for feed headers the URL they
// are sent to: a header value moved to another source, or a source pointed at another URL, no longer opens.
// Rows written before sealing existed hold plaintext: readers accept it, sealPlaintextSecrets() seals it at start,
// rotateSecrets() (npm run cli -- rotate-key) re-seals everything not sealed with the current key.
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { SecretBox, SecretError, SEALED_PREFIX } from './secretBox.ts';

export type SecretTable = 'slack_workspaces' | 'feed_sources' | 'catalogue_credentials';

export const botTokenContext = (teamId: string) => `slack_workspaces.bot_token:${teamId}`;
export const feedHeadersContext = (url: string) => `feed_sources.headers:${url}`;
export const catalogueSecretContext = (key: string) => `catalogue_credentials.credential_secret:${key}`;
const installationContext = (teamId: string, path: string) => `slack_workspaces.installation.${path}:${teamId}`;

/** Secret fields inside a stored Slack installation, as [object, field]. */
const INSTALLATION_SECRETS: ReadonlyArray<readonly [string, string]> = [
  ['bot', 'token'],
  ['bot', 'refreshToken'],
  ['user', 'token'],
  ['user', 'refreshToken'],
  ['incomingWebhook', 'url'],
];

type Json = Record<string, unknown>;

/** Applies fn to every secret string inside an installation object; returns a copy (or the same object when none changed). */
function mapInstallationSecrets(installation: unknown, fn: (value: string, path: string) => string): unknown {
  if (!installation || typeof installation !== 'object') return installation;
  let out = installation as Json;
  for (const [part, field] of INSTALLATION_SECRETS) {
    const holder = out[part] as Json | undefined;
    const value = holder?.[field];
    if (typeof value !== 'string' || value === '') continue;
    const next = fn(value, `${part}.${field}`);
    if (next !== value) out = { ...out, [part]: { ...holder, [field]: next } };
  }
  return out;
}

/** The installation as stored: its secret fields sealed (plaintext ones written before sealing are sealed too). */
export function sealInstallation(box: SecretBox, teamId: string, installation: unknown): unknown {
  return mapInstallationSecrets(installation, (v, path) => (SecretBox.isSealed(v) ? v : box.seal(v, installationContext(teamId, path))));
}

/** The installation as Bolt wants it: its secret fields opened. */
export function openInstallation<T>(box: SecretBox, teamId: string, installation: unknown): T {
  return mapInstallationSecrets(installation, (v, path) => box.open(v, installationContext(teamId, path))) as T;
}

/** The value for feed_sources.headers (jsonb): the headers sealed as one JSON string, or null. */
export function sealFeedHeaders(box: SecretBox, url: string, headers: Record<string, string> | null): string | null {
  return headers ? JSON.stringify(box.sealJson(headers, feedHeadersContext(url))) : null;
}

/** The headers of a feed source, whether stored sealed or (written before sealing) as a plain object. */
export function openFeedHeaders(box: SecretBox, url: string, stored: unknown): Record<string, string> {
  return stored ? box.openJson<Record<string, string>>(stored, feedHeadersContext(url)) : {};
}

export interface TableReport {
  /** Values sealed anew with the current key (plaintext, or sealed with an older key). */
  resealed: number;
  /** Values already sealed with the current key. */
  current: number;
}

export interface SecretFailure {
  table: SecretTable;
  /** The row's key, e.g. "team_id=T0123" or "id=4". */
  row: string;
  column: string;
  message: string;
}

export interface SecretsReport {
  keyId: string;
  tables: Record<SecretTable, TableReport>;
  failures: SecretFailure[];
}

type Mode = 'plaintext' | 'rotate';

const notSealed = (expr: string) => sql.raw(`(${expr} NOT LIKE '${SEALED_PREFIX}%')`);

/**
 * Seals every plaintext secret left from before sealing existed. Idempotent; when there is nothing to do it costs one
 * query per table (a scan of a small table) returning no row. Concurrent starts are safe: a row is only written if
 * nobody changed it since it was read.
 */
export function sealPlaintextSecrets(db: Db, box: SecretBox): Promise<SecretsReport> {
  return walk(db, box, 'plaintext');
}

/** Re-seals every stored secret not sealed with the current key; values that cannot be opened are reported, not changed. */
export function rotateSecrets(db: Db, box: SecretBox): Promise<SecretsReport> {
  return walk(db, box, 'rotate');
}

async function walk(db: Db, box: SecretBox, mode: Mode): Promise<SecretsReport> {
  const report: SecretsReport = {
    keyId: box.keyId,
    tables: { slack_workspaces: { resealed: 0, current: 0 }, feed_sources: { resealed: 0, current: 0 }, catalogue_credentials: { resealed: 0, current: 0 } },
    failures: [],
  };
  /** The value re-sealed, or undefined when it stays (current key, or it fails to open: then it is reported). */
  const redo = (table: SecretTable, row: string, column: string, value: string, context: string): string | undefined => {
    if (box.isCurrent(value) || (mode === 'plaintext' && SecretBox.isSealed(value))) {
      report.tables[table].current += 1;
      return undefined;
    }
    try {
      const next = box.reseal(value, context);
      report.tables[table].resealed += 1;
      return next;
    } catch (err) {
      if (!(err instanceof SecretError)) throw err;
      report.failures.push({ table, row, column, message: err.message });
      return undefined;
    }
  };

  // slack_workspaces, a page at a time by team_id.
  const installationPaths = INSTALLATION_SECRETS.map(([a, b]) => `installation #>> '{${a},${b}}'`);
  const slackFilter =
    mode === 'plaintext'
      ? sql.join([notSealed('bot_token'), ...installationPaths.map(notSealed)], sql` OR `)
      : sql`bot_token IS NOT NULL OR installation IS NOT NULL`;
  for (let after = ''; ;) {
    const rows = await db
      .selectFrom('slack_workspaces')
      .select(['team_id', 'bot_token', 'installation'])
      .where('team_id', '>', after)
      .where(sql<boolean>`(${slackFilter})`)
      .orderBy('team_id')
      .limit(500)
      .execute();
    for (const r of rows) {
      const row = `team_id=${r.team_id}`;
      const botToken = r.bot_token ? redo('slack_workspaces', row, 'bot_token', r.bot_token, botTokenContext(r.team_id)) : undefined;
      const installation = mapInstallationSecrets(
        r.installation,
        (v, path) => redo('slack_workspaces', row, `installation.${path}`, v, installationContext(r.team_id, path)) ?? v,
      );
      if (botToken === undefined && installation === r.installation) continue;
      await db
        .updateTable('slack_workspaces')
        .set({
          ...(botToken !== undefined ? { bot_token: botToken } : {}),
          ...(installation !== r.installation ? { installation: JSON.stringify(installation) } : {}),
        })
        .where('team_id', '=', r.team_id)
        // Only if nobody rewrote the row meanwhile (a new install, another process sealing it first).
        .where(sql<boolean>`bot_token IS NOT DISTINCT FROM ${r.bot_token}`)
        .where(sql<boolean>`installation IS NOT DISTINCT FROM ${r.installation === null ? null : JSON.stringify(r.installation)}::jsonb`)
        .execute();
    }
    if (rows.length < 500) break;
    after = rows.at(-1)!.team_id;
  }

  // feed_sources: plaintext headers are a jsonb object, sealed ones a jsonb string.
  const feedFilter =
    mode === 'plaintext' ? sql<boolean>`jsonb_typeof(headers) = 'object'` : sql<boolean>`headers IS NOT NULL AND jsonb_typeof(headers) <> 'null'`;
  for (let after = 0; ;) {
    const rows = await db
      .selectFrom('feed_sources')
      .select(['id', 'url', 'headers'])
      .where('id', '>', after)
      .where(feedFilter)
      .orderBy('id')
      .limit(500)
      .execute();
    for (const r of rows) {
      const stored: unknown = r.headers;
      const context = feedHeadersContext(r.url);
      let next: string | undefined;
      if (SecretBox.isSealed(stored)) {
        next = redo('feed_sources', `id=${r.id}`, 'headers', stored, context);
      } else {
        // Plaintext (a jsonb object): sealed as its JSON text, which is what opening parses back.
        next = box.seal(JSON.stringify(stored), context);
        report.tables.feed_sources.resealed += 1;
      }
      if (next === undefined) continue;
      await db
        .updateTable('feed_sources')
        .set({ headers: JSON.stringify(next) as never })
        .where('id', '=', r.id)
        .where(sql<boolean>`headers = ${JSON.stringify(stored)}::jsonb`)
        .execute();
    }
    if (rows.length < 500) break;
    after = rows.at(-1)!.id;
  }

  // catalogue_credentials: written sealed only, so there is nothing plaintext to seal; rotation re-seals them.
  if (mode === 'rotate') {
    const rows = await db.selectFrom('catalogue_credentials').select(['key', 'credential_secret']).where('credential_secret', 'is not', null).execute();
    for (const r of rows) {
      const next = redo('catalogue_credentials', `key=${r.key}`, 'credential_secret', r.credential_secret!, catalogueSecretContext(r.key));
      if (next === undefined) continue;
      await db
        .updateTable('catalogue_credentials')
        .set({ credential_secret: next })
        .where('key', '=', r.key)
        .where('credential_secret', '=', r.credential_secret)
        .execute();
    }
  }
  return report;
}

/** One line per table, e.g. "slack_workspaces: 3 re-sealed, 1 already current". */
export function describeReport(report: SecretsReport): string[] {
  return (Object.entries(report.tables) as Array<[SecretTable, TableReport]>).map(
    ([table, t]) => `${table}: ${t.resealed} re-sealed, ${t.current} already current`,
  );
}
