// Creators API credentials and whether Amazon lets them in. An organisation may bring its own (the secret sealed at
// rest like Slack tokens, for its row: catalogue_credentials.credential_secret:org:<id>); the operator may set one for
// everybody in the environment (AMAZON_CREATORS_*), whose access state is kept in the row keyed 'env'.
// Lack of access is a normal state, not an error: it is recorded with why and since when, and the credential is left
// alone until retry_at (a day: Amazon restores access within about two days of new qualifying sales), so nothing
// asks Amazon again and again meanwhile. Each outcome leaves one status line for the manager, replaced by the next.
import { UserError } from '../../errors.ts';
import type { Db } from '../../db/database.ts';
import type { CatalogueAccess, CatalogueCredential } from '../../db/schema.ts';
import type { SecretBox } from '../../secrets/secretBox.ts';
import { catalogueSecretContext } from '../../secrets/storedSecrets.ts';
import { CREDENTIAL_VERSIONS, isCredentialVersion, type CreatorsApiFailure, type CreatorsCredential } from './creatorsApi.ts';
import { HOUR_MS } from './displayRules.ts';

export const ENV_KEY = 'env';
export const orgKey = (organisationId: number) => `org:${organisationId}`;
/** Where the secret is sealed for (src/secrets/storedSecrets.ts lists every sealed column; rotate-key re-seals it). */
export const credentialSecretContext = catalogueSecretContext;

/** After no access (AssociateNotEligible): asked again a day later. */
export const NO_ACCESS_RETRY_MS = 24 * HOUR_MS;
/** After refused credentials: asked again after this (or at once when someone sets new ones). */
export const REFUSED_RETRY_MS = 6 * HOUR_MS;
/** A throttle that made a run give up keeps every run off the credential at least this long. */
export const MIN_THROTTLE_PAUSE_MS = 60_000;

export interface EnvCredentialConfig {
  AMAZON_CREATORS_CLIENT_ID?: string | undefined;
  AMAZON_CREATORS_CLIENT_SECRET?: string | undefined;
  AMAZON_CREATORS_CREDENTIAL_VERSION?: string | undefined;
  AMAZON_CREATORS_PARTNER_TAG?: string | undefined;
}

/** The operator's credential from the environment, when it is complete. */
export function envCredential(config: EnvCredentialConfig): CreatorsCredential | undefined {
  const {
    AMAZON_CREATORS_CLIENT_ID: id,
    AMAZON_CREATORS_CLIENT_SECRET: secret,
    AMAZON_CREATORS_CREDENTIAL_VERSION: version,
    AMAZON_CREATORS_PARTNER_TAG: tag,
  } = config;
  if (!id || !secret || !version || !tag || !isCredentialVersion(version)) return undefined;
  return { key: ENV_KEY, credentialId: id, credentialSecret: secret, version, partnerTag: tag };
}

export interface SetCredentialsInput {
  organisationId: number;
  credentialId: string;
  credentialSecret: string;
  version: string;
  /** The tracking ID sent as partnerTag (links in the answer carry it). */
  partnerTag: string;
}

/** Sets (or replaces) an organisation's credentials; their access state starts afresh. */
export async function setOrganisationCredentials(db: Db, box: SecretBox, input: SetCredentialsInput): Promise<CredentialStatus> {
  const version = input.version.trim();
  if (!isCredentialVersion(version))
    throw new UserError(
      'invalid_input',
      `The credential version must be one of ${CREDENTIAL_VERSIONS.join(', ')} (shown with the credential in Associates Central).`,
    );
  const credentialId = input.credentialId.trim();
  const secret = input.credentialSecret.trim();
  if (!credentialId || !secret) throw new UserError('invalid_input', 'Both the credential ID and the credential secret are needed.');
  const partnerTag = input.partnerTag.trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(partnerTag)) throw new UserError('invalid_input', 'The partner tag is a tracking ID such as name-20.');
  const org = await db.selectFrom('organisations').select('id').where('id', '=', input.organisationId).executeTakeFirst();
  if (!org) throw new UserError('not_found', `There is no organisation ${input.organisationId}.`);
  const key = orgKey(input.organisationId);
  const values = {
    credential_id: credentialId,
    credential_secret: box.seal(secret, credentialSecretContext(key)),
    version,
    partner_tag: partnerTag,
    access: 'unknown' as const,
    access_reason: null,
    access_since: null,
    retry_at: null,
    throttled_until: null,
    status_message: 'New credentials: not used yet.',
    status_at: new Date(),
    updated_at: new Date(),
  };
  await db
    .insertInto('catalogue_credentials')
    .values({ key, organisation_id: input.organisationId, ...values })
    .onConflict((oc) => oc.column('key').doUpdateSet(values))
    .execute();
  return (await credentialStatus(db, input.organisationId))!;
}

export async function removeOrganisationCredentials(db: Db, organisationId: number): Promise<boolean> {
  const r = await db.deleteFrom('catalogue_credentials').where('key', '=', orgKey(organisationId)).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** What a manager may see of a credential: never its secret. */
export interface CredentialStatus {
  key: string;
  organisationId: number | null;
  credentialId: string | null;
  version: string | null;
  partnerTag: string | null;
  access: CatalogueAccess;
  accessReason: string | null;
  accessSince: Date | null;
  retryAt: Date | null;
  statusMessage: string | null;
  statusAt: Date | null;
}

const toStatus = (r: CatalogueCredential): CredentialStatus => ({
  key: r.key,
  organisationId: r.organisation_id,
  credentialId: r.credential_id,
  version: r.version,
  partnerTag: r.partner_tag,
  access: r.access,
  accessReason: r.access_reason,
  accessSince: r.access_since,
  retryAt: r.retry_at,
  statusMessage: r.status_message,
  statusAt: r.status_at,
});

/** An organisation's credential status, or (no organisation) the operator's. */
export async function credentialStatus(db: Db, organisationId?: number): Promise<CredentialStatus | undefined> {
  const row = await db
    .selectFrom('catalogue_credentials')
    .selectAll()
    .where('key', '=', organisationId === undefined ? ENV_KEY : orgKey(organisationId))
    .executeTakeFirst();
  return row ? toStatus(row) : undefined;
}

/**
 * The credentials that may be used now for products of these organisations: each organisation's own, then the
 * operator's. Those without access, refused or throttled are left out until their retry time.
 */
export async function usableCredentials(
  db: Db,
  box: SecretBox,
  env: CreatorsCredential | undefined,
  organisationIds: number[],
  now: Date,
): Promise<CreatorsCredential[]> {
  const keys = [...new Set(organisationIds)].map(orgKey);
  if (env) keys.push(ENV_KEY);
  if (keys.length === 0) return [];
  const rows = await db.selectFrom('catalogue_credentials').selectAll().where('key', 'in', keys).execute();
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const resting = (r: CatalogueCredential | undefined) =>
    r !== undefined &&
    (((r.access === 'none' || r.access === 'refused') && (r.retry_at === null || r.retry_at > now)) || (r.throttled_until !== null && r.throttled_until > now));
  const out: CreatorsCredential[] = [];
  for (const key of keys) {
    const row = byKey.get(key);
    if (resting(row)) continue;
    if (key === ENV_KEY) {
      out.push(env!);
      continue;
    }
    if (!row?.credential_id || !row.credential_secret || !row.version || !row.partner_tag || !isCredentialVersion(row.version)) continue;
    out.push({
      key,
      credentialId: row.credential_id,
      credentialSecret: box.open(row.credential_secret, credentialSecretContext(key)),
      version: row.version,
      partnerTag: row.partner_tag,
    });
  }
  return out;
}

/** The two ways a credential loses access: the state it is left in, when it is asked again, what a manager is told. */
const ACCESS_LOST = {
  no_access: {
    access: 'none',
    retryMs: NO_ACCESS_RETRY_MS,
    advice: 'Product details come from reports and influencers until access returns; checked again daily.',
  },
  refused: {
    access: 'refused',
    retryMs: REFUSED_RETRY_MS,
    advice: 'Check the credential ID, secret and version; stored product details are kept.',
  },
} as const;

export type CredentialOutcome = { kind: 'ok' } | { kind: CreatorsApiFailure; message: string; retryAfterMs?: number | undefined };

/** Records what using a credential taught us: its access state and the one status line a manager sees. */
export async function recordCredentialOutcome(db: Db, key: string, outcome: CredentialOutcome, now: Date): Promise<void> {
  const at = (ms: number) => new Date(now.getTime() + ms);
  let set: Partial<Record<keyof CatalogueCredential, unknown>>;
  switch (outcome.kind) {
    case 'ok':
      set = { access: 'ok', access_reason: null, retry_at: null, throttled_until: null, status_message: null, status_at: now };
      break;
    case 'no_access':
    case 'refused': {
      const lost = ACCESS_LOST[outcome.kind];
      set = {
        access: lost.access,
        access_reason: outcome.message,
        retry_at: at(lost.retryMs),
        status_message: `${outcome.message}. ${lost.advice}`,
        status_at: now,
      };
      break;
    }
    case 'throttled':
      set = {
        throttled_until: at(Math.max(MIN_THROTTLE_PAUSE_MS, outcome.retryAfterMs ?? 0)),
        status_message: `${outcome.message}; requests slowed down.`,
        status_at: now,
      };
      break;
    default:
      set = { status_message: `${outcome.message}; stored product details are kept and it is tried again later.`, status_at: now };
  }
  const changesAccess = 'access' in set;
  await db
    .insertInto('catalogue_credentials')
    .values({ key, organisation_id: key === ENV_KEY ? null : Number(key.slice(4)), ...(set as object), ...(changesAccess ? { access_since: now } : {}) })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        ...(set as object),
        // Since when the state holds: kept while it stays the same.
        ...(changesAccess
          ? {
              access_since: eb
                .case()
                .when('catalogue_credentials.access', '=', set.access as CatalogueAccess)
                .then(eb.ref('catalogue_credentials.access_since'))
                .else(now)
                .end(),
            }
          : {}),
        updated_at: now,
      })),
    )
    .execute();
}
