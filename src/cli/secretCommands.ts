// CLI: re-seal every stored secret with the current ENCRYPTION_KEY (after moving the old key to ENCRYPTION_KEY_PREVIOUS).
import { secretBoxFor } from '../secrets/secretBox.ts';
import { describeReport, rotateSecrets, type SecretsReport } from '../secrets/storedSecrets.ts';
import type { CliCommand } from './context.ts';

export const rotateKey: CliCommand = {
  name: 'rotate-key',
  summary: 'Re-seal every stored secret with the current ENCRYPTION_KEY',
  usage: 'rotate-key',
  options: {},
  run: (ctx) => rotateSecrets(ctx.db, secretBoxFor(ctx.config)),
  format: (r: SecretsReport) => [`Secrets sealed with key ${r.keyId}:`, ...describeReport(r).map((l) => `  ${l}`)].join('\n'),
  failure: (r: SecretsReport) =>
    r.failures.length === 0
      ? undefined
      : `${r.failures.length} secret${r.failures.length === 1 ? '' : 's'} could not be opened (add the key that sealed them to ENCRYPTION_KEY_PREVIOUS): ${r.failures
          .map((f) => `${f.table} ${f.row} ${f.column}: ${f.message}`)
          .join('; ')}. Re-sealed meanwhile: ${describeReport(r).join(', ')}`,
};
