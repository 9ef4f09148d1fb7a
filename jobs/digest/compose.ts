// The scheduled digest message: the card, with the 30-day chart and the full roster as CSV as its attachments.
import { digestCard } from '../../src/cards/digest.ts';
import { buildDigest } from '../../src/domain/digest/digestReport.ts';
import type { ComposeDigest } from './processor.ts';

export function digestComposer(publicBaseUrl: string): ComposeDigest {
  return async (db, organisationId, timezone, now) => digestCard(await buildDigest(db, organisationId, { timezone, now }), { baseUrl: publicBaseUrl }).reply;
}
