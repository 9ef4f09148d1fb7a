// CLI: the operator's side of the product catalogue: set an organisation's Creators API credentials (the secret is
// sealed at rest) and see whether Amazon lets them in (never the secret).
import { credentialStatus, setOrganisationCredentials, type CredentialStatus } from '../domain/catalogue/credentials.ts';
import { makeOrganisationProductsDue } from '../domain/catalogue/refresh.ts';
import { operatorOrganisation, parseOrganisationId } from '../domain/organisations/organisations.ts';
import { secretBoxFor } from '../secrets/secretBox.ts';
import { type CliCommand, type CliContext, str } from './context.ts';

const orgOption = { org: { type: 'string', description: 'the organisation (default: the only or default organisation)', value: 'id' } } as const;
const organisationOf = (ctx: CliContext, v: Record<string, string | boolean | undefined>) =>
  operatorOrganisation(ctx.db, str(v.org) === undefined ? undefined : parseOrganisationId(str(v.org)!));

const describe = (s: CredentialStatus | undefined, who: string) => {
  if (!s) return `${who}: no Creators API credentials.`;
  const lines = [
    `${who}: credential ${s.credentialId ?? '(from the environment)'}${s.version ? ` version ${s.version}` : ''}${s.partnerTag ? `, partner tag ${s.partnerTag}` : ''}`,
    `  access: ${s.access}${s.accessSince ? ` since ${s.accessSince.toISOString()}` : ''}`,
  ];
  if (s.accessReason) lines.push(`  why: ${s.accessReason}`);
  if (s.retryAt) lines.push(`  tried again after: ${s.retryAt.toISOString()}`);
  if (s.statusMessage) lines.push(`  status: ${s.statusMessage}`);
  return lines.join('\n');
};

export const catalogueCredentials: CliCommand = {
  name: 'catalogue credentials',
  summary: 'Set the Amazon Creators API credentials of an organisation (product details for its storefronts)',
  usage: 'catalogue credentials --credential-id <id> --secret <secret> --version <2.1|…|3.3> --partner-tag <id-20> [--org <id>]',
  options: {
    'credential-id': { type: 'string', description: 'the Credential ID from Associates Central → Creators API', required: true },
    secret: { type: 'string', description: 'the Credential Secret (sealed at rest, never shown again)', required: true },
    version: { type: 'string', description: 'the credential version shown with it: 2.1/3.1 North America, 2.2/3.2 Europe, 2.3/3.3 Far East', required: true },
    'partner-tag': { type: 'string', description: "a tracking ID of the organisation's Associates account, e.g. name-20", value: 'id-20', required: true },
    ...orgOption,
  },
  async run(ctx, v) {
    const organisationId = await organisationOf(ctx, v);
    const status = await setOrganisationCredentials(ctx.db, secretBoxFor(ctx.config), {
      organisationId,
      credentialId: str(v['credential-id'])!,
      credentialSecret: str(v.secret)!,
      version: str(v.version)!,
      partnerTag: str(v['partner-tag'])!,
    });
    // Products waiting for a credential are fetched at the next refresh.
    await makeOrganisationProductsDue(ctx.db, organisationId);
    return status;
  },
  format: (s: CredentialStatus) =>
    `${describe(s, `Organisation ${s.organisationId}`)}\nProduct details are fetched at the next catalogue refresh (within minutes).`,
};

export const catalogueStatus: CliCommand = {
  name: 'catalogue status',
  summary: 'Creators API access of an organisation and of the operator: state, why, last problem',
  usage: 'catalogue status [--org <id>]',
  options: { ...orgOption },
  async run(ctx, v) {
    const organisationId = await organisationOf(ctx, v);
    return {
      organisationId,
      organisation: (await credentialStatus(ctx.db, organisationId)) ?? null,
      operator: (await credentialStatus(ctx.db)) ?? null,
      operatorConfigured: Boolean(ctx.config.AMAZON_CREATORS_CLIENT_ID),
    };
  },
  format: (r: { organisationId: number; organisation: CredentialStatus | null; operator: CredentialStatus | null; operatorConfigured: boolean }) =>
    [
      describe(r.organisation ?? undefined, `Organisation ${r.organisationId}`),
      r.operatorConfigured
        ? describe(r.operator ?? undefined, 'Operator (AMAZON_CREATORS_*)').replace('no Creators API credentials.', 'configured, not used yet.')
        : 'Operator: AMAZON_CREATORS_* not set.',
    ].join('\n'),
};
