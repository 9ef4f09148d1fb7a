import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { startTestApp } from '../support/env.ts';
import { scrape } from './support/scrape.ts';

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
}

const dashboard = JSON.parse(readFileSync(new URL('../../ops/grafana/affiliate-dashboard.json', import.meta.url), 'utf8')) as {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  panels: Panel[];
  uid: string;
};
const graphs = dashboard.panels.filter((p) => p.type !== 'row');
const expressions = graphs.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** Metric names an expression reads: every affiliate_* name, and any other name used as a selector (name{…} or name[…]). */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names = new Set(withoutStrings.match(/\baffiliate_[a-z0-9_]+/g) ?? []);
  for (const m of withoutStrings.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)) names.add(m[1]!);
  return [...names];
}

let app: Runtime & { url: string };
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('when an operator imports the Grafana dashboard', () => {
  it('then it asks for a Prometheus data source and every panel queries it', () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    expect(graphs.length).toBeGreaterThanOrEqual(10);
    for (const p of graphs) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
    }
  });

  it('then every metric its panels read is one the service exports, so the dashboard cannot drift from the code', async () => {
    // A request first, so the HTTP series exist as well as their declarations.
    await fetch(`${app.url}/healthz`);
    const exported = await scrape(app.url);
    const sampleNames = new Set(exported.samples.map((s) => s.name));
    const isExported = (name: string) => {
      if (exported.types.has(name) || sampleNames.has(name)) return true;
      const histogram = /^(.*)_(bucket|sum|count)$/.exec(name);
      return Boolean(histogram && exported.types.get(histogram[1]!) === 'histogram');
    };
    const missing = expressions.flatMap(({ panel, expr }) =>
      metricNames(expr)
        .filter((n) => !isExported(n))
        .map((n) => `${panel}: ${n}`),
    );
    expect(missing).toEqual([]);
    expect(expressions.flatMap(({ expr }) => metricNames(expr)).length).toBeGreaterThan(0);
  });

  it('then it covers requests, latency, redirects, clicks, the click buffer, ingests, deliveries and queues', () => {
    const used = new Set(expressions.flatMap(({ expr }) => metricNames(expr)));
    for (const name of [
      'affiliate_http_requests_total',
      'affiliate_http_request_duration_seconds_bucket',
      'affiliate_redirects_total',
      'affiliate_clicks_recorded_total',
      'affiliate_click_buffer_depth',
      'affiliate_click_buffer_lag_seconds',
      'affiliate_ingests_total',
      'affiliate_ingest_rows_total',
      'affiliate_notifications_total',
      'affiliate_digests_total',
      'affiliate_queue_jobs',
      'affiliate_queue_oldest_waiting_seconds',
    ]) {
      expect(used.has(name), name).toBe(true);
    }
    expect(expressions.some(({ expr }) => /histogram_quantile\(0\.99,.*affiliate_http_request_duration_seconds_bucket/.test(expr))).toBe(true);
    expect(expressions.some(({ expr }) => /status=~"5\.\."/.test(expr))).toBe(true);
  });
});
