import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import type { S3Settings } from '../s3-settings.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
/** moto prints this line once it serves; port 0 lets the kernel pick a free one. */
const LISTENING = /Running on http:\/\/127\.0\.0\.1:(\d+)/;
const START_TIMEOUT_MS = 30_000;

export interface MotoS3 {
  settings(bucket: string): S3Settings;
  close(): Promise<void>;
}

/**
 * moto's S3 server (Python) on a free loopback port: a second S3 implementation, written
 * against AWS's behaviour rather than a file system, for tests that must hold on more than
 * one store. Returns why not when it cannot be installed here (scripts/ensure-moto.sh).
 */
export async function startMotoS3(): Promise<MotoS3 | { unavailable: string }> {
  const ensure = spawnSync('bash', [path.join(ROOT, 'scripts', 'ensure-moto.sh')], { encoding: 'utf8' });
  if (ensure.status !== 0) return { unavailable: `moto could not be installed: ${ensure.stderr.trim().slice(-500)}` };
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: ensure.stdout.trim(), PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`moto did not start: ${out.slice(-1000)}`)), START_TIMEOUT_MS);
    const read = (d: Buffer) => {
      out += d.toString();
      const m = LISTENING.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto exited ${code}: ${out.slice(-1000)}`));
    });
  });
  return {
    settings: (bucket) => ({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket,
      credentials: { accessKeyId: 'moto', secretAccessKey: 'moto-secret' },
      forcePathStyle: true,
    }),
    close: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
