#!/usr/bin/env node
// What a browser downloads, from Vite's manifest: the home page's initial bundle, what opening a
// repl adds (the lazy IDE chunk: CodeMirror, xterm.js, socket.io), and the language chunks loaded
// on first use. Sizes gzipped as the orchestrator serves them (compression's default level 6).
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = path.resolve(import.meta.dirname, '..', 'dist');
const manifestFile = path.join(dist, '.vite', 'manifest.json');
if (!fs.existsSync(manifestFile)) {
  console.error('bundle-report: no dist/.vite/manifest.json (run `pnpm build` first)');
  process.exit(1);
}
const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));

/** Files a chunk needs before it runs: itself, its CSS, and its static imports, transitively. */
function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const css of chunk.css ?? []) seen.add(css);
  for (const dep of chunk.imports ?? []) closure(dep, seen);
  return seen;
}

function size(files) {
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const bytes = fs.readFileSync(path.join(dist, f));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 6 }).length;
  }
  return { files: files.length, raw, gzip };
}

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
const ideKey = Object.keys(manifest).find((k) => k.endsWith('IdePage.tsx'));
const home = closure(entryKey);
const ide = [...closure(ideKey)].filter((f) => !home.has(f));
const loaded = new Set([...home, ...ide]);
const lazyLanguages = [...new Set(Object.values(manifest).flatMap((c) => [c.file, ...(c.css ?? [])]))].filter(
  (f) => !loaded.has(f) && f.endsWith('.js'),
);

const rows = [
  ['home page (initial bundle)', size([...home])],
  ['+ opening a repl (IDE chunk)', size(ide)],
  ['= IDE total', size([...loaded])],
  ['language chunks (each on first use)', size(lazyLanguages)],
];
const kb = (n) => (n / 1024).toFixed(1);
console.log('\nFrontend bundle — node frontend/scripts/bundle-report.mjs (after `pnpm build`)');
console.log(`${'what'.padEnd(38)}${'files'.padStart(6)}${'raw KB'.padStart(10)}${'gzip KB'.padStart(10)}`);
for (const [what, s] of rows) {
  console.log(`${what.padEnd(38)}${String(s.files).padStart(6)}${kb(s.raw).padStart(10)}${kb(s.gzip).padStart(10)}`);
}
const homeGzip = rows[0][1].gzip;
const totalGzip = rows[2][1].gzip;
console.log(
  `home page / whole IDE (gzip): ${(homeGzip / totalGzip).toFixed(2)}× — what code splitting saves the first visit`,
);
