// Prometheus metrics on a registry of our own (so several app instances can live in one test process).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queues } from '../queues.ts';
import { withTimeout } from '../timeout.ts';

export class Metrics {
  readonly registry = new Registry();
  readonly redirects = new Counter({ name: 'affiliate_redirects_total', help: 'Short-link redirects answered, by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly clicks = new Counter({ name: 'affiliate_clicks_recorded_total', help: 'Clicks written to Postgres, by kind', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly clicksDropped = new Counter({ name: 'affiliate_clicks_dropped_total', help: 'Clicks dropped because the buffer overflowed while Postgres was unavailable', registers: [this.registry] });
  readonly bufferDepth: Gauge;
  readonly queueDepth: Gauge<'queue' | 'state'>;

  constructor(opts: { bufferDepth: () => number; queues?: Queues | undefined; defaultMetrics?: boolean }) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.bufferDepth = new Gauge({
      name: 'affiliate_click_buffer_depth',
      help: 'Clicks waiting in memory to be written',
      registers: [this.registry],
      collect() {
        this.set(opts.bufferDepth());
      },
    });
    const queues = opts.queues;
    this.queueDepth = new Gauge({
      name: 'affiliate_queue_jobs',
      help: 'Jobs per BullMQ queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        if (!queues) return;
        await Promise.all(
          Object.entries(queues).map(async ([name, q]) => {
            try {
              const counts = await withTimeout(q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'), 1000, 'queue counts');
              for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
            } catch {
              // Redis unavailable: keep the last values rather than failing the scrape.
            }
          }),
        );
      },
    });
  }
}
