// The production image installs `dependencies` only (npm ci --omit=dev) and runs dist/: every package the
// service's code loads at run time must be a dependency, not a devDependency (tsx, vitest, typescript…).
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const build = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Packages a file loads at run time: static imports that are not `import type`, and dynamic imports. */
function runtimePackages(source: string): string[] {
  const specifiers = [
    ...[...source.matchAll(/^\s*import\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
    ...[...source.matchAll(/^\s*export\s+(?!type\s)[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
    ...[...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
  ];
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

describe('when the service is built for production', () => {
  it('then everything the compiled code imports is a production dependency', () => {
    expect(build.include.sort()).toEqual(['bots', 'jobs', 'migrations', 'src']);
    const used = new Map<string, string>();
    for (const dir of build.include)
      for (const file of sourceFiles(path.join(ROOT, dir))) for (const p of runtimePackages(readFileSync(file, 'utf8'))) used.set(p, path.relative(ROOT, file));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter(([p]) => !(p in pkg.dependencies)).map(([p, file]) => `${p} (${file})`);
    expect(missing).toEqual([]);
  });

  it('then tsx and the test tools stay out of the production dependencies', () => {
    for (const dev of ['tsx', 'typescript', 'vitest', 'eslint', 'playwright-core']) expect(Object.keys(pkg.dependencies)).not.toContain(dev);
  });
});
