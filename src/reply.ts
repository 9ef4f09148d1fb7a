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
  /** Link buttons: they open a URL and send nothing back. */
  buttons?: Array<{ label: string; url: string }>;
  /** Action buttons: a press comes back to the command core (src/commands/actions.ts) with its value. */
  actions?: ReplyAction[];
  footer?: string;
}

export interface ReplyAction {
  label: string;
  /** An action the command core knows (src/commands/actions.ts), e.g. claim_approve. Letters, digits and _ only. */
  actionId: string;
  /** Comes back with the press (e.g. a claim number). Never trusted: the action checks who pressed and what. */
  value: string;
  style?: 'primary' | 'danger';
  /** Buttons of one group stay together (a row on Discord, a block on Slack), e.g. Approve and Refuse of one claim. */
  group?: string;
}
