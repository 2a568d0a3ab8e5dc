import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LspTestClient } from '../test-support/lsp-test-client.js';
import { type RunnerClient, type RunnerHarness, startRunner } from '../test-support/runner-harness.js';

// The real language servers, through a real runner's socket: what an editor sees of them.

const A_TS = `export function greet(name: string): string {\n  return 'hello ' + name;\n}\n`;
const B_TS = `import { greet } from './a';\nconst count: number = greet('x');\nconsole.log(count);\n`;
const B_FIXED = `import { greet } from './a';\nconst text: string = greet('x');\nconsole.log(text);\n`;

function serverPids(runner: RunnerHarness, bin: string): number[] {
  return runner.leftoverProcesses().filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(bin);
    } catch {
      return false;
    }
  });
}

describe('language servers in the runner', () => {
  let runner: RunnerHarness;
  let socket: RunnerClient;
  let ts: LspTestClient;
  let rootUri: string;
  const uri = (rel: string) => `${rootUri}/${rel}`;

  before(async () => {
    runner = await startRunner();
    fs.writeFileSync(path.join(runner.workspace, 'a.ts'), A_TS);
    fs.writeFileSync(path.join(runner.workspace, 'b.ts'), B_TS);
    fs.writeFileSync(path.join(runner.workspace, 'tsconfig.json'), '{"compilerOptions":{"strict":true,"noEmit":true}}');
    fs.writeFileSync(path.join(runner.workspace, 'main.py'), 'print(undefined_name)\n');
    socket = await runner.connect();
    ts = new LspTestClient(socket, 'typescript');
    ({ rootUri } = await ts.start());
  });
  after(async () => {
    await runner?.stop();
  });

  it('TypeScript: a type error is reported, and gone once it is fixed', async () => {
    assert.match(rootUri, /^file:\/\//);
    ts.notify('textDocument/didOpen', {
      textDocument: { uri: uri('b.ts'), languageId: 'typescript', version: 1, text: B_TS },
    });
    const errors = await ts.diagnostics(uri('b.ts'), (m) => m.length > 0);
    assert.match(errors.join('\n'), /Type 'string' is not assignable to type 'number'/);
    ts.notify('textDocument/didChange', {
      textDocument: { uri: uri('b.ts'), version: 2 },
      contentChanges: [{ text: B_FIXED }],
    });
    await ts.diagnostics(uri('b.ts'), (m) => m.length === 0);
  });

  it('TypeScript: completion after `console.` offers log; a definition in another file is found', async () => {
    const completion = (await ts.request('textDocument/completion', {
      textDocument: { uri: uri('b.ts') },
      position: { line: 2, character: 8 },
    })) as { items: Array<{ label: string }> } | Array<{ label: string }>;
    const labels = (Array.isArray(completion) ? completion : completion.items).map((i) => i.label);
    assert.ok(labels.includes('log'), `completion offered ${labels.slice(0, 20).join(', ')}`);

    const definition = (await ts.request('textDocument/definition', {
      textDocument: { uri: uri('b.ts') },
      position: { line: 1, character: 23 },
    })) as Array<{ uri?: string; targetUri?: string; range?: { start: { line: number } } }>;
    const target = definition[0];
    assert.equal(target?.uri ?? target?.targetUri, uri('a.ts'));
  });

  it('a second client shares the one server and its documents; a bad message is dropped, an unknown request answered', async () => {
    const before = serverPids(runner, 'typescript-language-server');
    const other = await runner.connect();
    const second = new LspTestClient(other, 'typescript');
    const { capabilities } = await second.start();
    assert.deepEqual(
      (capabilities.textDocumentSync as { change: number }).change,
      1,
      'clients are told to send full text',
    );
    assert.deepEqual(serverPids(runner, 'typescript-language-server'), before, 'no second server');
    second.send('not json at all');
    other.emit('lsp:message', { language: 'typescript', message: '{"jsonrpc":"1.0"}' });
    const unknown = await second.requestRaw('cubicle/noSuchMethod', {});
    assert.ok(unknown.error, 'an unknown request gets an error, not silence');
    // The second client sees the first one's document: hover on `greet` answers.
    const hover = (await second.request('textDocument/hover', {
      textDocument: { uri: uri('b.ts') },
      position: { line: 1, character: 23 },
    })) as { contents: unknown } | null;
    assert.match(JSON.stringify(hover?.contents), /greet/);
    other.disconnect();
  });

  it('a server killed from the shell comes back by itself, with its open documents', async () => {
    const [pid] = serverPids(runner, 'typescript-language-server');
    assert.ok(pid, 'the TypeScript server runs');
    ts.notify('textDocument/didChange', {
      textDocument: { uri: uri('b.ts'), version: 3 },
      contentChanges: [{ text: B_TS }],
    });
    await ts.diagnostics(uri('b.ts'), (m) => m.length > 0);
    const seen = ts.notifications.length;
    process.kill(pid, 'SIGKILL');
    await ts.until(() => ts.statuses.find((s) => s.state === 'crashed'), 10_000, 'crashed status');
    assert.match(ts.statuses.find((s) => s.state === 'crashed')?.message ?? '', /killed \(SIGKILL\).*restarts/);
    await ts.until(
      () => ts.statuses.findLast((s) => s.state === 'ready' && ts.statuses.indexOf(s) > 0),
      60_000,
      'ready again',
    );
    // Diagnostics for the reopened document arrive from the new server, unasked.
    await ts.until(
      () =>
        ts.notifications
          .slice(seen)
          .find(
            (n) => n.method === 'textDocument/publishDiagnostics' && (n.params as { uri: string }).uri === uri('b.ts'),
          ),
      60_000,
      'diagnostics from the restarted server',
    );
    const metrics = await (await fetch(`${runner.url}/metrics`)).text();
    assert.match(metrics, /runner_language_server_resident_memory_bytes\{language="typescript"\} [1-9]/);
  });

  it('a server that stops answering gets the request an error in time, and the runner keeps serving', async () => {
    const [pid] = serverPids(runner, 'typescript-language-server');
    assert.ok(pid, 'the TypeScript server runs');
    process.kill(-pid, 'SIGSTOP'); // the server and the tsserver it started, frozen
    try {
      const t0 = Date.now();
      const answer = ts.requestRaw('textDocument/hover', {
        textDocument: { uri: uri('b.ts') },
        position: { line: 1, character: 23 },
      });
      const listed = await socket.emitWithAck('fetchDir', { path: '' });
      assert.ok(listed.ok && Date.now() - t0 < 5000, 'file operations do not wait on a language server');
      const reply = await answer;
      assert.match(reply.error?.message ?? '', /did not answer textDocument\/hover in time/);
      assert.ok(Date.now() - t0 < 30_000);
    } finally {
      process.kill(-pid, 'SIGCONT');
    }
  });

  it('a file the shell creates reaches the server: the missing-module error goes away', async () => {
    const text = "import { later } from './later';\nconsole.log(later);\n";
    fs.writeFileSync(path.join(runner.workspace, 'c.ts'), text);
    ts.notify('textDocument/didOpen', {
      textDocument: { uri: uri('c.ts'), languageId: 'typescript', version: 1, text },
    });
    const missing = await ts.diagnostics(uri('c.ts'), (m) => m.length > 0);
    assert.match(missing.join('\n'), /Cannot find module '\.\/later'/);
    fs.writeFileSync(path.join(runner.workspace, 'later.ts'), 'export const later = 42;\n'); // as `cat > later.ts` would
    await ts.diagnostics(uri('c.ts'), (m) => m.length === 0);
  });

  it('CSS and JSON: their servers report a typo and a broken document', async () => {
    const css = new LspTestClient(socket, 'css');
    await css.start();
    css.notify('textDocument/didOpen', {
      textDocument: { uri: uri('style.css'), languageId: 'css', version: 1, text: 'a { colr: red; }\n' },
    });
    assert.match((await css.diagnostics(uri('style.css'), (m) => m.length > 0)).join('\n'), /Unknown property: 'colr'/);
    const json = new LspTestClient(socket, 'json');
    await json.start();
    json.notify('textDocument/didOpen', {
      textDocument: { uri: uri('data.json'), languageId: 'json', version: 1, text: '{ "a": }\n' },
    });
    assert.match((await json.diagnostics(uri('data.json'), (m) => m.length > 0)).join('\n'), /Value expected/);
  });

  it('Python: an undefined name is reported', async () => {
    const py = new LspTestClient(socket, 'python');
    await py.start();
    py.notify('textDocument/didOpen', {
      textDocument: { uri: uri('main.py'), languageId: 'python', version: 1, text: 'print(undefined_name)\n' },
    });
    const messages = await py.diagnostics(uri('main.py'), (m) => m.length > 0);
    assert.match(messages.join('\n'), /"undefined_name" is not defined/);
  });
});

describe('language servers and the file size limit', () => {
  it('a document over MAX_FILE_BYTES never reaches the server; one under it does', async () => {
    const runner = await startRunner({ MAX_FILE_BYTES: '2000' });
    try {
      const ts = new LspTestClient(await runner.connect(), 'typescript');
      const { rootUri } = await ts.start();
      const error = "const n: number = 'text';\n";
      const big = `${error}${'// padding\n'.repeat(300)}`;
      ts.notify('textDocument/didOpen', {
        textDocument: { uri: `${rootUri}/big.ts`, languageId: 'typescript', version: 1, text: big },
      });
      ts.notify('textDocument/didOpen', {
        textDocument: { uri: `${rootUri}/small.ts`, languageId: 'typescript', version: 1, text: error },
      });
      await ts.diagnostics(`${rootUri}/small.ts`, (m) => m.length > 0);
      const aboutBig = ts.notifications.filter(
        (n) =>
          n.method === 'textDocument/publishDiagnostics' && (n.params as { uri: string }).uri === `${rootUri}/big.ts`,
      );
      assert.deepEqual(aboutBig, [], 'the server never saw the large document');
    } finally {
      await runner.stop();
    }
  });
});
