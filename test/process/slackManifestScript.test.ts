// `npm run slack:manifest` as an operator runs it: a process that writes the manifest file or prints it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../bots/slack/manifest.ts';

describe('when an operator runs the manifest script', () => {
  it('then `npm run slack:manifest` writes the manifest file, or prints it with --stdout', () => {
    const script = resolve(import.meta.dirname, '../../bots/slack/manifest.ts');
    const env = { ...process.env, PUBLIC_BASE_URL: 'https://links.example.org' };
    const printed = spawnSync(process.execPath, ['--import', 'tsx', script, '--stdout'], { env, encoding: 'utf8', timeout: 20_000 });
    expect(printed.status).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(buildManifest('https://links.example.org'));
    const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
    const file = join(dir, 'slack-manifest.json');
    const written = spawnSync(process.execPath, ['--import', 'tsx', script, '--out', file], { env, encoding: 'utf8', timeout: 20_000 });
    expect(written.status).toBe(0);
    expect(written.stdout).toContain(`Wrote ${file} for https://links.example.org`);
    expect(JSON.parse(readFileSync(join(dir, 'slack-manifest.json'), 'utf8'))).toEqual(buildManifest('https://links.example.org'));
    const bad = spawnSync(process.execPath, ['--import', 'tsx', script, '--stdout'], {
      env: { ...env, PUBLIC_BASE_URL: 'nope' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/PUBLIC_BASE_URL must be an absolute URL/);
  });
});
