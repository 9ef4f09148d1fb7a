import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger, resolveLogFormat } from '../../src/log.ts';

/** A destination that says whether it is a terminal, as process.stdout does. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => chunks.join('') };
}

const savedFormat = process.env.LOG_FORMAT;
afterEach(() => {
  if (savedFormat === undefined) delete process.env.LOG_FORMAT;
  else process.env.LOG_FORMAT = savedFormat;
});

describe('when the service chooses how to write its logs', () => {
  it('then auto means readable lines on a terminal and JSON lines anywhere else, and pretty or json force one', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
    expect(resolveLogFormat('json', true)).toBe('json');
  });

  it('then on a terminal an event is one readable line with its level, message and fields', () => {
    const out = sink(true);
    createLogger('info', {}, { format: 'auto', destination: out.stream }).info({ ingestId: 'i-1', counts: { rows: 3 } }, 'ingest finished');
    const text = out.text();
    expect(text.trim().split('\n')).toHaveLength(1);
    const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: ingest finished \{"ingestId":"i-1","counts":\{"rows":3\}\}\n$/);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('then when the output is not a terminal each event is a JSON line with the service name', () => {
    const out = sink(false);
    createLogger('info', { role: 'worker' }, { format: 'auto', destination: out.stream }).warn({ attempt: '1/3' }, 'ingest attempt failed; will retry');
    expect(JSON.parse(out.text())).toMatchObject({ level: 40, service: 'affiliate', role: 'worker', attempt: '1/3', msg: 'ingest attempt failed; will retry' });
  });

  it('then LOG_FORMAT=json keeps JSON even on a terminal, and LOG_FORMAT=pretty makes readable lines even in a pipe', () => {
    process.env.LOG_FORMAT = 'json';
    const tty = sink(true);
    createLogger('info', {}, { destination: tty.stream }).info('web server listening');
    expect(JSON.parse(tty.text())).toMatchObject({ msg: 'web server listening' });
    process.env.LOG_FORMAT = 'pretty';
    const pipe = sink(false);
    createLogger('info', {}, { destination: pipe.stream }).info('web server listening');
    expect(pipe.text()).toMatch(/INFO: web server listening/);
  });

  it('then LOG_FORMAT is validated with the rest of the configuration', () => {
    expect(loadConfig({}).LOG_FORMAT).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: '' }).LOG_FORMAT).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/^Invalid configuration: LOG_FORMAT /);
    expect(loadConfig({ METRICS_PORT: '' }).METRICS_PORT).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).METRICS_PORT).toBe(9464);
    expect(() => loadConfig({ METRICS_PORT: 'http' })).toThrow(/^Invalid configuration: METRICS_PORT /);
  });
});
