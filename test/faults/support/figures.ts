// What each fault scenario measured, appended to one file per run and printed as a table at the end of the suite.
import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';

export interface FaultFigures {
  /** The fault, as the table's first column says it. */
  fault: string;
  /** Redirects of known links answered 302 while the fault lasted, and how many were asked. */
  redirectsDuringFault: { answered: number; asked: number };
  /** Clicks written to Postgres, and redirects answered (302 to a GET), over the whole scenario. */
  clicks: { recorded: number; answered: number };
  /** From the end of the fault (or the kill) to ready again (/readyz 200, schedulers included). */
  secondsToReady: number;
  /** From the end of the fault to the scenario's ingests all finished (null when none was under way). */
  secondsToIngested: number | null;
  /** Ledger total against the file's Ad Fees, cents (null when no report was ingested). */
  ledger: { cents: number; fileCents: number } | null;
  /** Anything else worth a word (uploads refused in time, jobs re-queued, …). */
  notes: string;
}

export function recordFigures(f: FaultFigures): void {
  appendFileSync(inject('faultFigures'), `${JSON.stringify(f)}\n`);
}

const money = (cents: number) =>
  `${cents < 0 ? '-' : ''}$${Math.floor(Math.abs(cents) / 100).toLocaleString('en-US')}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

/** A Markdown table, one row per scenario. */
export function figuresTable(rows: FaultFigures[]): string {
  const lines = [
    '| fault | redirects answered during it | clicks recorded / redirects answered | s to ready | s to ingested | ledger / file Ad Fees | notes |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.fault} | ${r.redirectsDuringFault.answered} / ${r.redirectsDuringFault.asked} | ${r.clicks.recorded} / ${r.clicks.answered} | ${r.secondsToReady.toFixed(1)} | ${r.secondsToIngested === null ? '–' : r.secondsToIngested.toFixed(1)} | ${r.ledger ? `${money(r.ledger.cents)} / ${money(r.ledger.fileCents)}` : '–'} | ${r.notes} |`,
    );
  }
  return lines.join('\n');
}
