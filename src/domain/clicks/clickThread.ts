// The redirect's clicks are recorded on a thread of their own. The redirect only appends a click's raw fields to an
// array, handed to the thread every HAND_OFF_MS; classifying, hashing, marking repeats in Redis and encoding batches
// for Postgres (about 11 µs a click, see bench:click-writes) happen there, so they neither take the redirect's CPU
// nor block its event loop: a batch of 2,000 clicks encoded on the main thread held every redirect behind it for
// several milliseconds. The thread runs a ClickBuffer with a Postgres pool and a Redis connection of its own, with
// the same guarantees (a batch written once, kept while Postgres is away, drained on stop).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ClickKind } from '../../db/schema.ts';
import type { ClickEvent, ClickRecorder } from './clickBuffer.ts';
import { CLICK_FIELDS, errorFrom, type FromThread, type ThreadSettings, type ThreadStatus, type ToThread } from './clickThreadMessages.ts';

/** How often the redirects' clicks are handed to the thread, and the most handed at once. */
const HAND_OFF_MS = 10;
const HAND_OFF_MAX = 1000;
const RESPAWN_MS = 1000;
/** How long past its drain deadline a stopping thread has to answer. */
const STOP_GRACE_MS = 5000;

const TYPESCRIPT = import.meta.url.endsWith('.ts');
/** tsx's ESM API (require.resolve finds its CommonJS twin, whose register() fails in a thread). */
const tsxApi = () =>
  pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;

export interface ClickThreadOptions {
  settings: ThreadSettings;
  onWritten?: (kind: ClickKind, count: number) => void;
  onDropped?: (count: number) => void;
  onError?: (err: unknown) => void;
  /** The thread failed (an uncaught error) and another took over; `lost` clicks went with it. */
  onThreadFailed?: (err: Error, lost: number) => void;
}

export class ClickThread implements ClickRecorder {
  private worker!: Worker;
  private outbox: Array<string | number | null> = [];
  private outboxOldest = 0;
  /** Clicks handed to the thread since it started, and when the oldest of each hand-off not yet taken in was clicked. */
  private sent = 0;
  private inTransit: Array<{ upTo: number; oldest: number }> = [];
  private last: ThreadStatus = { received: 0, depth: 0, oldest: null };
  private timer: NodeJS.Timeout | undefined;
  private readonly flushes = new Map<number, () => void>();
  private nextFlush = 1;
  private stopped: ((left: number) => void) | undefined;
  private stopping = false;
  private failure: Error | undefined;
  private respawning = false;

  constructor(private readonly opts: ClickThreadOptions) {
    this.spawn();
  }

  private spawn(): void {
    const file = new URL(`./clickThreadWorker.${TYPESCRIPT ? 'ts' : 'js'}`, import.meta.url);
    // Built (.js), the thread runs the module as it is. Under tsx (development, tests) a thread does not inherit tsx's
    // loader (privatenumber/tsx#354), so a two-line bootstrap registers it in the thread first.
    this.worker = TYPESCRIPT
      ? new Worker(`import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`, {
          eval: true,
          workerData: this.opts.settings,
        })
      : new Worker(file, { workerData: this.opts.settings });
    // The process does not stay up for the thread alone, only while a flush or stop waits for its answer.
    this.worker.unref();
    this.worker.on('message', (m: FromThread) => this.heard(m));
    this.worker.on('error', (err) => (this.failure = err));
    this.worker.on('exit', (code) => this.exited(code));
  }

  start(): void {
    this.timer ??= setInterval(() => this.handOff(), HAND_OFF_MS).unref();
  }

  push(event: ClickEvent): void {
    const at = event.at.getTime();
    if (this.outbox.length === 0) this.outboxOldest = at;
    this.outbox.push(event.linkId, at, event.ip, event.userAgent ?? null, event.referer ?? null, event.country);
    if (this.outbox.length >= HAND_OFF_MAX * CLICK_FIELDS) this.handOff();
  }

  /** Clicks not yet written: here, on their way to the thread, and in it. */
  get depth(): number {
    return this.outbox.length / CLICK_FIELDS + this.inThread();
  }

  /** Clicks handed to the thread and not yet written: on their way, and in it. */
  private inThread(): number {
    return this.sent - this.last.received + this.last.depth;
  }

  /** Age of the oldest click not yet written, ms (0 when none). */
  lagMs(now = Date.now()): number {
    let oldest = Infinity;
    if (this.outbox.length > 0) oldest = this.outboxOldest;
    if (this.inTransit.length > 0) oldest = Math.min(oldest, this.inTransit[0]!.oldest);
    if (this.last.oldest !== null) oldest = Math.min(oldest, this.last.oldest);
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }

  /** Hands over what is here and resolves once the thread has tried to write everything it holds. */
  flush(): Promise<void> {
    if (this.respawning || this.stopping) return Promise.resolve(); // no thread to write: they wait here
    this.handOff();
    const id = this.nextFlush++;
    this.worker.ref();
    return new Promise((resolve) => {
      this.flushes.set(id, () => {
        if (this.flushes.size === 0 && !this.stopping) this.worker.unref();
        resolve();
      });
      this.post({ t: 'flush', id });
    });
  }

  /** Hands over what is here, lets the thread drain it (retrying until the deadline), and ends the thread. */
  async stop(deadlineMs = 10_000): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.handOff();
    this.stopping = true;
    // Between a failed thread and its successor there is no thread to drain: what is here is what is left.
    if (this.respawning) return this.outbox.length / CLICK_FIELDS;
    this.worker.ref();
    const left = await new Promise<number>((resolve) => {
      this.stopped = resolve;
      this.post({ t: 'stop', deadlineMs });
      // A thread that cannot even answer (stuck in a write that ignores its timeout) is ended anyway.
      setTimeout(() => resolve(this.inThread()), deadlineMs + STOP_GRACE_MS).unref();
    });
    await this.worker.terminate();
    return left + this.outbox.length / CLICK_FIELDS;
  }

  private handOff(): void {
    if (this.outbox.length === 0 || this.stopping || this.respawning) return;
    this.sent += this.outbox.length / CLICK_FIELDS;
    this.inTransit.push({ upTo: this.sent, oldest: this.outboxOldest });
    this.post({ t: 'clicks', data: this.outbox });
    this.outbox = [];
  }

  private post(m: ToThread): void {
    this.worker.postMessage(m);
  }

  private heard(m: FromThread): void {
    this.last = { received: m.received, depth: m.depth, oldest: m.oldest };
    while (this.inTransit.length > 0 && this.inTransit[0]!.upTo <= m.received) this.inTransit.shift();
    switch (m.t) {
      case 'written':
        return this.opts.onWritten?.(m.kind, m.n);
      case 'dropped':
        return this.opts.onDropped?.(m.n);
      case 'error':
        return this.opts.onError?.(errorFrom(m.error));
      case 'flushed': {
        const resolve = this.flushes.get(m.id);
        this.flushes.delete(m.id);
        return resolve?.();
      }
      case 'stopped':
        return this.stopped?.(m.left);
    }
  }

  /** The thread ended without being asked (it failed): what it held is lost, counted as dropped; a new one takes over. */
  private exited(code: number): void {
    const waiting = [...this.flushes.values()];
    this.flushes.clear();
    for (const resolve of waiting) resolve();
    if (this.stopping) return this.stopped?.(this.inThread());
    const lost = this.inThread();
    this.opts.onThreadFailed?.(this.failure ?? new Error(`the click writer thread exited with code ${code}`), lost);
    this.failure = undefined;
    this.sent = 0;
    this.inTransit = [];
    this.last = { received: 0, depth: 0, oldest: null };
    // After a pause: a thread that fails as it starts must not be restarted in a tight loop. Clicks wait here meanwhile.
    this.respawning = true;
    setTimeout(() => {
      this.respawning = false;
      if (!this.stopping) this.spawn();
    }, RESPAWN_MS).unref();
  }
}
