// /metrics behind a bearer token (METRICS_TOKEN) and/or on its own port (METRICS_PORT), in every role.
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb } from '../support/env.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const db = testDb();
const started: Runtime[] = [];
afterAll(async () => {
  for (const rt of started) await rt.close();
  await db.destroy();
});

async function start(env: Record<string, string>, roles: { web?: boolean; workers?: boolean }) {
  const rt = await startRuntime(testConfig(env), { ...roles, log: createLogger('silent') });
  started.push(rt);
  return rt;
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, signal: AbortSignal.timeout(5000) });

describe('when METRICS_TOKEN is set', () => {
  it('then /metrics answers 401 without the bearer token (or with a wrong one) and 200 with it', async () => {
    const rt = await start({ METRICS_TOKEN: TOKEN }, { web: true });
    const none = await get(`${rt.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await none.text()).not.toContain('affiliate_');
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, `Basic ${TOKEN}`, 'Bearer ']) {
      expect((await get(`${rt.url}/metrics`, { authorization })).status, authorization).toBe(401);
    }
    const ok = await get(`${rt.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('affiliate_redirects_total');
    // Health checks stay open.
    expect((await get(`${rt.url}/healthz`)).status).toBe(200);
  });
});

describe('when METRICS_PORT is set', () => {
  it('then the web server no longer serves /metrics on PORT, and METRICS_PORT does (behind the token when set)', async () => {
    const rt = await start({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN }, { web: true });
    expect(rt.metricsUrl).toBeDefined();
    expect(rt.metricsUrl).not.toBe(rt.url);
    expect((await get(`${rt.url}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect((await get(`${rt.metricsUrl}/metrics`)).status).toBe(401);
    const ok = await get(`${rt.metricsUrl}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('affiliate_http_requests_total');
    expect((await get(`${rt.metricsUrl}/healthz`)).status).toBe(404);
  });

  it('then a process with both roles and no token serves it there too', async () => {
    const rt = await start({ METRICS_PORT: '0' }, { web: true, workers: true });
    expect((await get(`${rt.url}/metrics`)).status).toBe(404);
    expect((await get(`${rt.metricsUrl}/metrics`)).status).toBe(200);
  });

  it('then a worker-only process serves it there, behind the token when set', async () => {
    const rt = await start({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN }, { workers: true });
    expect(rt.url).toBeUndefined();
    expect((await get(`${rt.metricsUrl}/metrics`)).status).toBe(401);
    expect((await get(`${rt.metricsUrl}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});
