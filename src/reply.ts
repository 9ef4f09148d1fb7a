// The neutral card every answer and notification is made of: commands return it, domain code composes it for
// notifications and digests, and each platform renders it (Block Kit, embeds). Nothing here knows a platform.
export type Tone = 'info' | 'success' | 'warning' | 'error';

export interface ReplyLine {
  text: string;
  url?: string;
  detail?: string;
}

export interface Reply {
  visibility: 'ephemeral' | 'channel';
  tone?: Tone;
  title?: string;
  /** Plain text; renderers escape it for their markup. */
  text?: string;
  fields?: Array<{ label: string; value: string; inline?: boolean }>;
  sections?: Array<{ title: string; lines: ReplyLine[]; more?: number }>;
  buttons?: Array<{ label: string; url: string }>;
  footer?: string;
}
