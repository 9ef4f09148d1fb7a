// A one-line live status on the operator's terminal (stderr), rewritten in place and wiped before the result is
// printed. Only on a TTY and never with --json: a script reading stdout or a log capturing stderr sees none of it.
import type { IngestProgress } from '../domain/ingest/ledgerIngest.ts';

/** What progress needs of a stream: process.stderr, or a fake one in tests. */
export interface TtyLike {
  isTTY?: boolean | undefined;
  write(chunk: string): unknown;
}

/** Show progress only to a person: stderr is a terminal and the output is not for a script. */
export function wantsProgress(stream: TtyLike | undefined, opts: { json: boolean }): stream is TtyLike {
  return stream !== undefined && stream.isTTY === true && !opts.json;
}

export type IngestStage = IngestProgress | { phase: 'queued' };

const count = (n: number) => `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'}`;

export function formatIngestProgress(p: IngestStage): string {
  switch (p.phase) {
    case 'queued':
      return 'Waiting for an ingest worker…';
    case 'reading':
      return p.rows > 0 ? `Reading report… ${count(p.rows)}` : 'Reading report…';
    case 'writing':
      return `Writing ledger… ${count(p.rows)} read`;
  }
}

/** A job's progress as the ingest worker stored it (anything else is ignored). */
export function parseIngestProgress(value: unknown): IngestProgress | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { phase, rows } = value as Record<string, unknown>;
  if ((phase !== 'reading' && phase !== 'writing') || typeof rows !== 'number' || !Number.isFinite(rows) || rows < 0) return undefined;
  return { phase, rows };
}

export interface ProgressLine {
  /** Replace the line with `text`; a repeat of the same text, or a change within the interval, is dropped unless forced. */
  show(text: string, opts?: { force?: boolean }): void;
  /** Wipe the line (before the result or an error is printed). */
  clear(): void;
}

export const PROGRESS_REDRAW_MS = 250;

export function progressLine(stream: TtyLike, opts: { minIntervalMs?: number; now?: () => number } = {}): ProgressLine {
  const minInterval = opts.minIntervalMs ?? PROGRESS_REDRAW_MS;
  const now = opts.now ?? Date.now;
  let shown: string | undefined;
  let shownAt = -Infinity;
  return {
    show(text, o) {
      if (text === shown) return;
      const t = now();
      if (!o?.force && t - shownAt < minInterval) return;
      // Carriage return, the text, then erase to the end of the line (a shorter text leaves nothing behind).
      stream.write(`\r${text}\x1b[K`);
      shown = text;
      shownAt = t;
    },
    clear() {
      if (shown === undefined) return;
      stream.write('\r\x1b[K');
      shown = undefined;
      shownAt = -Infinity;
    },
  };
}
