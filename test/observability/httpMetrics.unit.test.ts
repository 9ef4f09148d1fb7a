import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/http/metrics.ts';
import { parseExposition } from './support/scrape.ts';

describe('when requests are counted by route', () => {
  it('then the exposition has a count per route, method and status and a cumulative latency histogram per route and method', async () => {
    const metrics = new Metrics({ bufferDepth: () => 0 });
    const redirect = metrics.http.timing('/l/:code', 'GET');
    redirect.record(302, 0.00005);
    redirect.record(302, 0.0003);
    redirect.record(404, 0.002);
    metrics.http.observe('/s/:handle', 'GET', 200, 0.04);
    metrics.http.observe('unmatched', 'PROPFIND', 404, 30); // past the largest bucket; unknown methods are "other"
    const m = parseExposition(await metrics.registry.metrics());
    expect(m.types.get('affiliate_http_requests_total')).toBe('counter');
    expect(m.types.get('affiliate_http_request_duration_seconds')).toBe('histogram');
    expect(m.value('affiliate_http_requests_total', { route: '/l/:code', method: 'GET', status: '302' })).toBe(2);
    expect(m.value('affiliate_http_requests_total', { route: '/l/:code', method: 'GET', status: '404' })).toBe(1);
    expect(m.value('affiliate_http_requests_total', { route: 'unmatched', method: 'other', status: '404' })).toBe(1);
    const bucket = (route: string, le: string) => m.value('affiliate_http_request_duration_seconds_bucket', { route, method: 'GET', le });
    expect(bucket('/l/:code', '0.0001')).toBe(1);
    expect(bucket('/l/:code', '0.0005')).toBe(2);
    expect(bucket('/l/:code', '0.0025')).toBe(3);
    expect(bucket('/l/:code', '+Inf')).toBe(3);
    expect(m.value('affiliate_http_request_duration_seconds_count', { route: '/l/:code', method: 'GET' })).toBe(3);
    expect(m.value('affiliate_http_request_duration_seconds_sum', { route: '/l/:code', method: 'GET' })).toBeCloseTo(0.00235, 8);
    expect(bucket('/s/:handle', '0.025')).toBe(0);
    expect(bucket('/s/:handle', '0.05')).toBe(1);
    expect(m.value('affiliate_http_request_duration_seconds_bucket', { route: 'unmatched', method: 'other', le: '10' })).toBe(0);
    expect(m.value('affiliate_http_request_duration_seconds_bucket', { route: 'unmatched', method: 'other', le: '+Inf' })).toBe(1);
  });

  it('then job outcomes are exported at zero before the first event, so rates exist from the start', async () => {
    const m = parseExposition(await new Metrics({ bufferDepth: () => 0 }).registry.metrics());
    for (const outcome of ['sent', 'skipped', 'failed', 'gone']) {
      expect(m.find('affiliate_notifications_total', { outcome })).toHaveLength(1);
      expect(m.find('affiliate_digests_total', { outcome })).toHaveLength(1);
    }
    expect(m.find('affiliate_ingests_total')).toHaveLength(2);
    expect(m.find('affiliate_ingest_rows_total')).toHaveLength(4);
    expect(m.value('affiliate_click_buffer_lag_seconds')).toBe(0);
  });
});
