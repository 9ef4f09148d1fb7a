// Captures a logger's JSON lines in memory, so a test can read exactly what an operator would see.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/log.ts';
import { waitFor } from '../../support/wait.ts';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export class LogCapture {
  readonly lines: LogLine[] = [];
  private rest = '';
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      const parts = (this.rest + chunk.toString('utf8')).split('\n');
      this.rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) this.lines.push(JSON.parse(p) as LogLine);
      done();
    },
  });

  logger(level = 'info'): Logger {
    return createLogger(level, {}, { format: 'json', destination: this.stream });
  }

  /** Lines with this message (and these fields, when given). */
  find(msg: string, fields: Record<string, unknown> = {}): LogLine[] {
    return this.lines.filter((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => JSON.stringify(l[k]) === JSON.stringify(v)));
  }

  async waitFor(msg: string, fields: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<LogLine> {
    const [line] = await waitFor(
      async () => this.find(msg, fields),
      (found) => found.length > 0,
      timeoutMs,
    );
    return line!;
  }
}
