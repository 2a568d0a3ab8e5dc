#!/usr/bin/env node
// `pnpm start` until the orchestrator lands (issue 4): one runner serving ./.data/workspace on
// 127.0.0.1:3001, with a token printed for connecting to it. Ctrl-C stops it.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const data = path.resolve(process.env.DATA_DIR ?? path.join(root, '.data'));
mkdirSync(path.join(data, 'workspace'), { recursive: true });
chmodSync(data, 0o755); // the runner drops root and must still reach its workspace
const secretFile = path.join(data, 'runner-secret');
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(24).toString('hex'), { mode: 0o600 });

const env = {
  ...process.env,
  REPL_ID: process.env.REPL_ID ?? 'local',
  RUNNER_TOKEN_SECRET: readFileSync(secretFile, 'utf8').trim(),
  WORKSPACE_DIR: path.join(data, 'workspace'),
  STATE_DIR: path.join(data, 'state'),
  HOST: process.env.HOST ?? '127.0.0.1',
  PORT: process.env.PORT ?? '3001',
};
const cli = path.join(root, 'runner', 'dist', 'cli.js');
const token = spawnSync(process.execPath, [cli, 'token'], { env, encoding: 'utf8' }).stdout.trim();
console.log(`Cubicle runner for repl "${env.REPL_ID}" on http://${env.HOST}:${env.PORT}
  workspace: ${env.WORKSPACE_DIR}
  token:     ${token}
  connect:   io('http://${env.HOST}:${env.PORT}', { auth: { token } })  (socket.io-client)
`);
const child = spawn(process.execPath, [cli, 'serve'], { env, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 0));
