import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import { languageServerSpec } from '../language/language-server-catalog.js';
import { LspTestClient } from '../test-support/lsp-test-client.js';
import { rssBytes, startRunner } from '../test-support/runner-harness.js';
import { fmt, median, percentile, printTable } from './bench-stats.js';

// `pnpm bench` (node runner/dist/bench/language-bench.js): language servers through the runner.
// Start to first diagnostics for the Node template and a 200-file TypeScript project; completion
// round trips through the runner against the same server spoken to on its own stdio, in one run;
// the runner's and the servers' memory.

const TEMPLATE = path.resolve(import.meta.dirname, '..', '..', '..', 'templates', 'node');
const PROJECT_FILES = 200;
const COMPLETIONS = 60;
const MB = 1024 * 1024;

/** A chain of modules, each importing the one before; the last has a type error to report. */
function writeProject(dir: string): string {
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    '{"compilerOptions":{"strict":true,"noEmit":true,"target":"ES2022"}}',
  );
  for (let i = 0; i < PROJECT_FILES; i++) {
    const prev = i === 0 ? '' : `import { f${i - 1} } from './m${i - 1}';\n`;
    const body = i === 0 ? 'return n + 1;' : `return f${i - 1}(n) * 2;`;
    fs.writeFileSync(path.join(dir, `m${i}.ts`), `${prev}export function f${i}(n: number): number {\n  ${body}\n}\n`);
  }
  const last = `m${PROJECT_FILES - 1}`;
  fs.appendFileSync(path.join(dir, `${last}.ts`), `export const wrong: string = f${PROJECT_FILES - 1}(1);\nconsole.\n`);
  return `${last}.ts`;
}

async function firstDiagnostics(workspace: string, file: string, languageId: string, expectErrors: boolean) {
  const runner = await startRunner({}, {});
  try {
    for (const name of fs.readdirSync(workspace))
      fs.cpSync(path.join(workspace, name), path.join(runner.workspace, name), { recursive: true });
    const client = new LspTestClient(await runner.connect(), 'typescript');
    const t0 = performance.now();
    const { rootUri } = await client.start();
    const uri = `${rootUri}/${file}`;
    const text = fs.readFileSync(path.join(runner.workspace, file), 'utf8');
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    await client.diagnostics(uri, (m) => !expectErrors || m.length > 0, 120_000);
    return performance.now() - t0;
  } finally {
    await runner.stop();
  }
}

/** Completion at `console.` in the project's last file, `COMPLETIONS` times, each timed. */
async function completionSamples(
  send: (method: string, params: unknown) => Promise<unknown>,
  uri: string,
  line: number,
) {
  const params = { textDocument: { uri }, position: { line, character: 8 } };
  for (let i = 0; i < 5; i++) await send('textDocument/completion', params); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < COMPLETIONS; i++) {
    const t0 = performance.now();
    await send('textDocument/completion', params);
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** The TypeScript server on its own stdio, as an editor on the same machine would talk to it. */
async function directServer(workspace: string, file: string) {
  const spec = languageServerSpec('typescript');
  const child = spawn(spec.command[0] ?? process.execPath, spec.command.slice(1), { cwd: workspace, stdio: 'pipe' });
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  connection.onRequest(() => null);
  connection.listen();
  const rootUri = pathToFileURL(workspace).href;
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri,
    capabilities: {},
    initializationOptions: spec.initializationOptions,
  });
  await connection.sendNotification('initialized', {});
  const uri = `${rootUri}/${file}`;
  const text = fs.readFileSync(path.join(workspace, file), 'utf8');
  await connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'typescript', version: 1, text },
  });
  return {
    uri,
    send: (method: string, params: unknown) => connection.sendRequest(method, params),
    close: () => {
      connection.dispose();
      child.kill('SIGKILL');
    },
  };
}

async function main(): Promise<void> {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-lsp-bench-'));
  try {
    const lastFile = writeProject(project);
    const lastLine = fs.readFileSync(path.join(project, lastFile), 'utf8').split('\n').length - 2;
    const templateMs = await firstDiagnostics(TEMPLATE, 'index.js', 'javascript', false);
    const projectMs = await firstDiagnostics(project, lastFile, 'typescript', true);

    // Completion: through the runner, then straight to a server of its own, same files, same machine.
    const runner = await startRunner();
    let viaRunner: number[] = [];
    let direct: number[] = [];
    const memory: string[][] = [];
    try {
      fs.cpSync(project, runner.workspace, { recursive: true });
      const idleRss = rssBytes(runner.pid);
      const socket = await runner.connect();
      const ts = new LspTestClient(socket, 'typescript');
      const { rootUri } = await ts.start();
      const uri = `${rootUri}/${lastFile}`;
      ts.notify('textDocument/didOpen', {
        textDocument: {
          uri,
          languageId: 'typescript',
          version: 1,
          text: fs.readFileSync(path.join(project, lastFile), 'utf8'),
        },
      });
      await ts.diagnostics(uri, (m) => m.length > 0, 120_000);
      viaRunner = await completionSamples((m, p) => ts.request(m, p), uri, lastLine);

      const own = await directServer(project, lastFile);
      try {
        direct = await completionSamples(own.send, own.uri, lastLine);
      } finally {
        own.close();
      }

      const py = new LspTestClient(socket, 'python');
      await py.start();
      fs.writeFileSync(path.join(runner.workspace, 'main.py'), 'print(undefined_name)\n');
      py.notify('textDocument/didOpen', {
        textDocument: { uri: `${rootUri}/main.py`, languageId: 'python', version: 1, text: 'print(undefined_name)\n' },
      });
      await py.diagnostics(`${rootUri}/main.py`, (m) => m.length > 0, 120_000);
      const css = new LspTestClient(socket, 'css');
      await css.start();
      const metrics = await (await fetch(`${runner.url}/metrics`)).text();
      memory.push(['runner alone (sync off), before any server', fmt(idleRss / MB, 1)]);
      memory.push(['runner with three servers running', fmt(rssBytes(runner.pid) / MB, 1)]);
      for (const m of metrics.matchAll(/runner_language_server_resident_memory_bytes\{language="(\w+)"\} (\d+)/g)) {
        memory.push([`${m[1]} server (and what it started)`, fmt(Number(m[2]) / MB, 1)]);
      }
    } finally {
      await runner.stop();
    }

    console.log('\n## Language servers benchmark\n');
    console.log('command: pnpm bench   (node runner/dist/bench/language-bench.js)');
    console.log(`setup: a real runner on loopback, ${os.cpus().length} cores, Node ${process.version}\n`);
    printTable(
      ['start → first diagnostics', 'ms'],
      [
        ['Node template (index.js), TypeScript server cold', fmt(templateMs, 0)],
        [`${PROJECT_FILES}-file TypeScript project, last file opened, cold`, fmt(projectMs, 0)],
      ],
    );
    console.log('');
    const bridge = median(viaRunner) - median(direct);
    printTable(
      ['completion round trip (ms)', 'p50', 'p99', 'target'],
      [
        ['through the runner (Socket.io → runner → stdio)', fmt(median(viaRunner)), fmt(percentile(viaRunner, 99)), ''],
        ['straight to the server on its stdio', fmt(median(direct)), fmt(percentile(direct, 99)), ''],
        ['added by the bridge (p50 difference)', fmt(bridge), '', '< 5 ms'],
      ],
    );
    console.log(
      `\n${COMPLETIONS} completions after 5 warm-ups each, at \`console.\` in a file that imports a chain of ${PROJECT_FILES} modules.\n`,
    );
    printTable(['resident memory', 'MB'], memory);
    if (bridge >= 5) process.exitCode = 1;
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
