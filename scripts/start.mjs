#!/usr/bin/env node
// `pnpm start` until the orchestrator lands (issue 4): the embedded S3 server (data in
// ./.data/s3), then `runner pull` and `runner serve` for one repl on 127.0.0.1:3001, syncing
// ./.data/workspace to S3. Prints a token for connecting. Ctrl-C flushes to S3, then stops.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedS3, s3SettingsToEnv } from '../storage/dist/index.js';

const root = path.resolve(import.meta.dirname, '..');
const data = path.resolve(process.env.DATA_DIR ?? path.join(root, '.data'));
mkdirSync(path.join(data, 'workspace'), { recursive: true });
chmodSync(data, 0o755); // the runner drops root and must still reach its workspace
const secretFile = path.join(data, 'runner-secret');
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(24).toString('hex'), { mode: 0o600 });

const s3 = await EmbeddedS3.start({
  directory: path.join(data, 's3'),
  port: Number(process.env.S3_PORT ?? 9000),
  buckets: ['cubicle'],
});
const env = {
  ...process.env,
  ...s3SettingsToEnv(s3.settings('cubicle')),
  REPL_ID: process.env.REPL_ID ?? 'local',
  RUNNER_TOKEN_SECRET: readFileSync(secretFile, 'utf8').trim(),
  WORKSPACE_DIR: path.join(data, 'workspace'),
  STATE_DIR: path.join(data, 'state'),
  HOST: process.env.HOST ?? '127.0.0.1',
  PORT: process.env.PORT ?? '3001',
};
const cli = path.join(root, 'runner', 'dist', 'cli.js');
const pulled = spawnSync(process.execPath, [cli, 'pull', '--allow-empty'], { env, stdio: 'inherit' });
if (pulled.status !== 0) {
  await s3.stop();
  process.exit(pulled.status ?? 1);
}
const token = spawnSync(process.execPath, [cli, 'token'], { env, encoding: 'utf8' }).stdout.trim();
console.log(`Cubicle runner for repl "${env.REPL_ID}" on http://${env.HOST}:${env.PORT}
  workspace: ${env.WORKSPACE_DIR}  (synced to s3://cubicle/code/${env.REPL_ID}/ at ${s3.endpoint})
  token:     ${token}
  connect:   io('http://${env.HOST}:${env.PORT}', { auth: { token } })  (socket.io-client)
`);
const child = spawn(process.execPath, [cli, 'serve'], { env, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGTERM'));
child.on('exit', async (code) => {
  await s3.stop();
  process.exit(code ?? 0);
});
