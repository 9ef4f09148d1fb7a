// The scheduled digest message: the card, the full roster as CSV and the 30-day chart as attachments.
import { buildDigest } from '../../src/domain/digest/digestReport.ts';
import { digestCard } from '../../src/domain/digest/digestCard.ts';
import type { ComposeDigest } from './processor.ts';

export function digestComposer(publicBaseUrl: string): ComposeDigest {
  return async (db, organisationId, timezone, now) => {
    const card = digestCard(await buildDigest(db, organisationId, { timezone, now }), { baseUrl: publicBaseUrl });
    return {
      reply: card.reply,
      files: [
        { name: card.chartFileName, data: card.chartPng, contentType: 'image/png' },
        { name: card.csvFileName, data: Buffer.from(card.csv, 'utf8'), contentType: 'text/csv' },
      ],
    };
  };
}
