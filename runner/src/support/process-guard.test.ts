import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const GUARD = pathToFileURL(path.join(import.meta.dirname, 'process-guard.js')).href;
const asRoot = process.getuid?.() === 0;

/**
 * A sealed process next to an ordinary one of the same user: the sealed one (a stand-in for the
 * runner) seals itself, then starts a child (a stand-in for the shell) that reports what it can
 * reach of its parent and whether it is itself dumpable. As root both run as `nobody`, since
 * root's CAP_SYS_PTRACE would read anything.
 */
const SEALED = `
import { spawnSync } from 'node:child_process';
import { isDumpable, sealProcess } from ${JSON.stringify(GUARD)};
const before = isDumpable();
sealProcess();
const probe = [
  "import fs from 'node:fs';",
  "import { isDumpable } from " + JSON.stringify(${JSON.stringify(GUARD)}) + ";",
  "const tryRead = (f) => { try { fs.readFileSync(f); return 'read'; } catch (e) { return e.code; } };",
  "const tryList = (d) => { try { fs.readdirSync(d); return 'read'; } catch (e) { return e.code; } };",
  "const p = process.ppid;",
  "console.log(JSON.stringify({ environ: tryRead('/proc/' + p + '/environ'), fd: tryList('/proc/' + p + '/fd'),",
  "  mem: tryRead('/proc/' + p + '/mem'), cmdline: tryRead('/proc/' + p + '/cmdline'), childDumpable: isDumpable() }));",
].join('\\n');
const child = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
console.log(JSON.stringify({ before, after: isDumpable(), child: JSON.parse(child.stdout || 'null'), stderr: child.stderr }));
`;

interface Report {
  before: boolean;
  after: boolean;
  child: { environ: string; fd: string; mem: string; cmdline: string; childDumpable: boolean } | null;
  stderr: string;
}

test('a sealed process keeps its environment, descriptors and memory from its own user; its children stay ordinary', {
  skip: process.platform !== 'linux' && 'prctl is Linux only',
}, async () => {
  const argv = [process.execPath, '--input-type=module', '-e', SEALED];
  const [cmd = '', ...args] = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv;
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const [code] = await once(proc, 'exit');
  assert.equal(code, 0, out);
  const report = JSON.parse(out) as Report;
  assert.equal(report.before, true, 'a process starts dumpable');
  assert.equal(report.after, false);
  assert.ok(report.child, report.stderr);
  assert.deepEqual(
    { environ: report.child.environ, fd: report.child.fd, mem: report.child.mem },
    { environ: 'EACCES', fd: 'EACCES', mem: 'EACCES' },
  );
  assert.equal(report.child.cmdline, 'read', 'what it runs stays visible, as for any process');
  assert.equal(report.child.childDumpable, true, 'execve makes the child an ordinary process');
});
