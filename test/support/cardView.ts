// A card read back the way a test compares it with what a person sees: the header as `title`, the text elements as
// `text` (a blank line between them), every field, the lists as `sections`, link and action buttons, the context
// lines as `footer` and the text to copy. Cards themselves are only their elements; this view is for assertions.
import type { ActionButton, Card, CardLine, Field, LinkButton, Tone, Visibility } from '../../src/cards/card.ts';

export interface CardSectionView {
  title: string;
  lines: readonly CardLine[];
  more?: number;
}

export interface CardView {
  visibility: Visibility;
  tone: Tone | undefined;
  copy: string | undefined;
  title: string | undefined;
  text: string | undefined;
  fields: readonly Field[];
  sections: readonly CardSectionView[];
  buttons: readonly LinkButton[];
  actions: readonly ActionButton[];
  footer: string | undefined;
  /** The card itself, for rendering. */
  card: Card;
}

export function view(card: Card): CardView {
  const texts = (type: 'copy' | 'header' | 'text' | 'context', sep: string) => {
    const all = card.elements.flatMap((e) => (e.type === type ? [e.text] : []));
    return all.length ? all.join(sep) : undefined;
  };
  return {
    visibility: card.visibility,
    tone: card.tone,
    copy: texts('copy', '\n'),
    title: texts('header', '\n'),
    text: texts('text', '\n\n'),
    fields: card.elements.flatMap((e) => (e.type === 'fields' ? e.fields : [])),
    sections: card.elements.flatMap((e) =>
      e.type === 'list' ? [e.more !== undefined ? { title: e.title, lines: e.lines, more: e.more } : { title: e.title, lines: e.lines }] : [],
    ),
    buttons: card.elements.flatMap((e) => (e.type === 'links' ? e.buttons : [])),
    actions: card.elements.flatMap((e) => (e.type === 'actions' ? e.buttons : [])),
    footer: texts('context', '\n'),
    card,
  };
}

/** Everything a person would read in a card, as one string. */
export function readText(c: Card | CardView): string {
  const r = 'elements' in c ? view(c) : c;
  return [
    r.title,
    r.text,
    ...r.fields.map((f) => `${f.label}: ${f.value}`),
    ...r.sections.flatMap((s) => [s.title, ...s.lines.map((l) => [l.text, l.url, l.detail].filter(Boolean).join(' '))]),
    ...r.buttons.map((b) => `${b.label} ${b.url}`),
    r.footer,
  ]
    .filter(Boolean)
    .join('\n');
}
