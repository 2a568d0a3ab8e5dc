import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SEARCH_MAX_MATCHES, type SearchResultPush, type SearchStartRequest } from '@cubicle/protocol';
import { type RunnerClient, type RunnerHarness, startRunner } from '../test-support/runner-harness.js';

describe('search in files (real runner, ripgrep, real socket)', () => {
  let runner: RunnerHarness;
  let client: RunnerClient;
  const pushes: SearchResultPush[] = [];
  before(async () => {
    runner = await startRunner();
    const files: Record<string, string> = {
      'src/app.js': 'const needle = 1;\nconsole.log(needle);\n',
      'src/lib/util.ts': 'export const NEEDLE_SIZE = 3; // needles\n',
      'notes/ünïcode.md': 'café — le needle est là\n',
      'dist/bundle.js': 'needle in a build output\n',
      'node_modules/dep/index.js': 'needle in a dependency\n',
      '.gitignore': 'dist/\n',
      'many.txt': 'hay needle\n'.repeat(SEARCH_MAX_MATCHES + 10),
    };
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(runner.workspace, name)), { recursive: true });
      fs.writeFileSync(path.join(runner.workspace, name), content);
    }
    client = await runner.connect();
    client.on('search:result', (push) => pushes.push(push));
  });
  after(async () => {
    assert.equal(await runner.stop(), 0);
  });

  let n = 0;
  async function search(
    req: Omit<SearchStartRequest, 'id' | 'regex' | 'caseSensitive' | 'wholeWord'> & Partial<SearchStartRequest>,
  ) {
    const id = `s${++n}`;
    const summary = await client.emitWithAck('search:start', { id, ...req });
    const results = pushes.filter((p) => p.id === id);
    return { summary, results, paths: results.map((r) => r.path).sort() };
  }

  it('finds a literal anywhere, case-insensitively, skipping node_modules and what .gitignore ignores', async () => {
    const { summary, paths, results } = await search({ query: 'NEEDLE', exclude: ['many.txt'] });
    assert.ok(summary.ok, JSON.stringify(summary));
    assert.deepEqual(paths, ['notes/ünïcode.md', 'src/app.js', 'src/lib/util.ts']);
    assert.equal(summary.matches, 5);
    const app = results.find((r) => r.path === 'src/app.js');
    assert.deepEqual(app?.matches[0], { line: 1, preview: 'const needle = 1;', start: 6, end: 12, column: 6 });
    // Columns count characters, not UTF-8 bytes: "café — le " is 10 characters (14 bytes).
    const unicode = results.find((r) => r.path === 'notes/ünïcode.md')?.matches[0];
    assert.equal(unicode?.column, 10);
    assert.equal(unicode?.preview.slice(unicode.start, unicode.end), 'needle');
  });

  it('regex, whole word and case-sensitive; an include glob narrows the files', async () => {
    const word = await search({ query: 'needle', wholeWord: true, caseSensitive: true, exclude: ['many.txt'] });
    assert.ok(word.summary.ok);
    assert.equal(word.summary.matches, 3, 'not NEEDLE_SIZE, not needles');
    const regex = await search({ query: 'NEEDLE_\\w+', regex: true, caseSensitive: true, include: ['src/**'] });
    assert.ok(regex.summary.ok);
    assert.deepEqual(regex.paths, ['src/lib/util.ts']);
  });

  it('stops at the limit and says so; a bad regular expression is a clear EINVAL', async () => {
    const many = await search({ query: 'needle', include: ['many.txt'] });
    assert.ok(many.summary.ok);
    assert.equal(many.summary.truncated, true);
    assert.equal(many.summary.matches, SEARCH_MAX_MATCHES);
    const bad = await search({ query: '(unclosed', regex: true });
    assert.equal(bad.summary.ok, false);
    if (!bad.summary.ok) {
      assert.equal(bad.summary.error.code, 'EINVAL');
      assert.match(bad.summary.error.message, /regex parse error|unclosed/i);
    }
  });
});
