import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Every package a module loads, following its relative imports (static, dynamic and require()). */
function packagesLoadedBy(file: string, seen = new Set<string>(), packages = new Set<string>()): Set<string> {
  if (seen.has(file)) return packages;
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  const specifier =
    /(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)|require\(['"]([^'"]+)['"]\)/g;
  for (const m of text.matchAll(specifier)) {
    const spec = (m[1] ?? m[2] ?? m[3]) as string;
    if (spec.startsWith('.')) packagesLoadedBy(path.resolve(path.dirname(file), spec), seen, packages);
    else packages.add(spec);
  }
  return packages;
}

describe('screen mirror worker', () => {
  it('loads xterm and Node alone: no protocol package, whose zod schemas would enlarge every collection of its heap', () => {
    const worker = fileURLToPath(new URL('./screen-mirror-worker.js', import.meta.url));
    const packages = [...packagesLoadedBy(worker)].filter((p) => !p.startsWith('node:'));
    assert.deepEqual(packages.sort(), ['@xterm/addon-serialize', '@xterm/headless']);
  });
});
