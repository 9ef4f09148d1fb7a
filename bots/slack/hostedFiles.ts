// Slack shows a picture in a message only from a URL it can fetch (an image block), and a slash command's answer
// through response_url cannot carry files at all. So before rendering, a card's chart becomes an image block whose
// URL is a short-lived signed URL of this service (src/http/signedFiles.ts), and, for answers that cannot upload,
// its other files become a download button with such a URL. The renderer stays pure: it only sees image and
// links elements. With an http PUBLIC_BASE_URL (development) Slack would not show the picture: the chart is then
// uploaded into the thread like a file, or offered as a link.
import { Card, image, linkButton, links, type CardElement } from '../../src/cards/card.ts';
import type { SignedFiles } from '../../src/http/signedFiles.ts';

export interface HostOptions {
  /** Files other than charts become download buttons (an answer through response_url); otherwise they stay for upload. */
  filesAsLinks: boolean;
}

/** The card with its charts (and, with filesAsLinks, its files) served from signed URLs. */
export async function withHostedFiles(card: Card, files: SignedFiles, opts: HostOptions): Promise<Card> {
  if (!card.elements.some((e) => e.type === 'chart' || (opts.filesAsLinks && e.type === 'file'))) return card;
  const out: CardElement[] = [];
  const downloads: ReturnType<typeof linkButton>[] = [];
  for (const el of card.elements) {
    if (el.type === 'chart' && files.servesImages) out.push(image(await files.put('chart', el.png, el.fileName), el.alt));
    else if (el.type === 'chart' && opts.filesAsLinks) downloads.push(linkButton('Open the chart', await files.put('chart', el.png, el.fileName)));
    else if (el.type === 'file' && opts.filesAsLinks) {
      // Only CSV is hosted (the one kind of file a card carries today); anything else is left out of an answer.
      if (el.contentType.startsWith('text/csv')) downloads.push(linkButton(`Download ${el.fileName}`, await files.put('export', el.data, el.fileName)));
    } else out.push(el);
  }
  if (downloads.length) out.push(links(downloads));
  return new Card(card.visibility, card.tone, out);
}

/** Without the chart and file elements: what is left to show when hosting them failed (Redis away). */
export function withoutFiles(card: Card): Card {
  return new Card(
    card.visibility,
    card.tone,
    card.elements.filter((e) => e.type !== 'chart' && e.type !== 'file'),
  );
}
