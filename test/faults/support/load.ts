// Followers clicking short links while a fault is injected: a few requests at a time, each one timed and kept, so a
// scenario can say how many were answered during the fault and compare the clicks recorded with the redirects
// answered. Browser user agent, so every answered GET is a click (or a repeat) and is recorded.
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

export interface Answer {
  code: string;
  /** When it was asked (Date.now()). */
  at: number;
  /** 0: no answer (refused, reset, or none within the timeout). */
  status: number;
  ms: number;
}

export class RedirectLoad {
  readonly answers: Answer[] = [];
  private running = false;
  private loops: Array<Promise<void>> = [];

  constructor(
    private readonly baseUrl: string,
    private readonly codes: string[],
    private readonly opts: { concurrency?: number; pauseMs?: number; timeoutMs?: number } = {},
  ) {}

  start(): this {
    this.running = true;
    const n = this.opts.concurrency ?? 2;
    this.loops = Array.from({ length: n }, (_, i) => this.loop(i));
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Answers asked in [from, to) (Date.now() values), of the given code or all. */
  between(from: number, to: number, code?: string): Answer[] {
    return this.answers.filter((a) => a.at >= from && a.at < to && (code === undefined || a.code === code));
  }

  /** Redirects answered (302), of the given code or all. */
  redirected(code?: string): number {
    return this.answers.filter((a) => a.status === 302 && (code === undefined || a.code === code)).length;
  }

  private async loop(i: number): Promise<void> {
    let k = i;
    while (this.running) {
      const code = this.codes[k++ % this.codes.length]!;
      const at = Date.now();
      const t = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${this.baseUrl}/l/${code}`, {
          redirect: 'manual',
          headers: { 'user-agent': BROWSER },
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 0;
      }
      this.answers.push({ code, at, status, ms: performance.now() - t });
      // Paced, not flat out: the service, Postgres, Redis and this suite share two cores.
      await new Promise((r) => setTimeout(r, this.opts.pauseMs ?? 10));
    }
  }
}
