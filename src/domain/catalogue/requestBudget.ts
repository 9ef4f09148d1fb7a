// How fast one credential may ask Amazon: 1 request a second to start with (the Creators API's base rate, which
// grows with an account's sales), twice as slow after each 429 (and never sooner than its Retry-After), and back
// towards the base rate after each success. Per process; the credential's throttled_until in Postgres keeps other
// processes and later runs off it after a run gave up on a throttle.
export interface RequestBudgetOptions {
  now?: () => number;
  /** Waits; tests give a fake clock's. */
  sleep?: (ms: number) => Promise<void>;
  baseIntervalMs?: number;
  maxIntervalMs?: number;
}

export class RequestBudget {
  private readonly state = new Map<string, { nextAt: number; intervalMs: number }>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly base: number;
  private readonly max: number;

  constructor(opts: RequestBudgetOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.base = opts.baseIntervalMs ?? 1000;
    this.max = opts.maxIntervalMs ?? 60_000;
  }

  private of(key: string) {
    let s = this.state.get(key);
    if (!s) this.state.set(key, (s = { nextAt: 0, intervalMs: this.base }));
    return s;
  }

  /** How long the next request for this credential would wait. */
  waitMs(key: string): number {
    return Math.max(0, this.of(key).nextAt - this.now());
  }

  /** Waits for this credential's next turn, and takes it. */
  async take(key: string): Promise<void> {
    const s = this.of(key);
    const wait = s.nextAt - this.now();
    if (wait > 0) await this.sleep(wait);
    s.nextAt = Math.max(s.nextAt, this.now()) + s.intervalMs;
  }

  /** A 429: slow down, and wait at least as long as Amazon asked. */
  throttled(key: string, retryAfterMs?: number): void {
    const s = this.of(key);
    s.intervalMs = Math.min(this.max, s.intervalMs * 2);
    s.nextAt = Math.max(s.nextAt, this.now() + Math.max(retryAfterMs ?? 0, s.intervalMs));
  }

  succeeded(key: string): void {
    const s = this.of(key);
    s.intervalMs = Math.max(this.base, Math.floor(s.intervalMs / 2));
  }

  intervalMs(key: string): number {
    return this.of(key).intervalMs;
  }
}
