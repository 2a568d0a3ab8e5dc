#!/usr/bin/env node
/**
 * The embedded S3 server (`pnpm s3`): a real S3-protocol server (s3rver) on 127.0.0.1 with its data on disk, for local
 * runs and tests. Prints one JSON line `{"event":"listening","endpoint":…}` once it serves.
 *
 *   node storage/dist/embedded/embedded-s3-server.js [--port 9000] [--dir .data/s3] [--bucket cubicle]... [--exit-with-parent]
 *
 * `--exit-with-parent`: stop when standard input closes, i.e. when the process that started it
 * dies, even by SIGKILL (EmbeddedS3 uses it so no server outlives its owner).
 *
 * Credentials: s3rver's key id with the secret in EMBEDDED_S3_SECRET_ACCESS_KEY (s3rver's public
 * default when unset). Its data directory is not plain
 * files (objects have sidecar files): read and write it through S3 only.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import S3rver, { type S3rverContext } from 's3rver';
import { EMBEDDED_S3_CREDENTIALS, EMBEDDED_S3_SECRET_ENV } from './embedded-s3.js';
import { requestProblem } from './request-guard.js';
import { signatureProblem } from './signature-check.js';

const LEGACY = '--openssl-legacy-provider';

// s3rver encrypts listing continuation tokens with DES, which OpenSSL 3 only has in its legacy
// provider: without it every listing past the first page fails with a 500. The flag is kept to
// this process, so nothing else runs with legacy crypto enabled.
if (!process.execArgv.includes(LEGACY) && !(process.env.NODE_OPTIONS ?? '').includes(LEGACY)) {
  const child = spawn(
    process.execPath,
    [LEGACY, ...process.execArgv, process.argv[1] ?? '', ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '9000' },
      dir: { type: 'string', default: path.resolve('.data/s3') },
      bucket: { type: 'string', multiple: true, default: ['cubicle'] },
      'exit-with-parent': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`embedded-s3: --port must be a port number, not "${values.port}"`);
    process.exit(2);
  }
  const directory = path.resolve(values.dir);
  fs.mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: values.bucket.map((name) => ({ name })),
  });
  guardRequests(server, directory);
  server.run().then(
    (address) => {
      console.log(JSON.stringify({ event: 'listening', endpoint: `http://127.0.0.1:${address.port}`, directory }));
      const stop = () => server.close().finally(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      if (values['exit-with-parent']) {
        process.stdin.once('close', stop);
        process.stdin.resume();
      }
    },
    (err: NodeJS.ErrnoException) => {
      console.error(`embedded-s3: cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`);
      process.exit(1);
    },
  );
}

/**
 * Runs before s3rver's own middleware: a request must be signed with the store's key pair
 * (s3rver lets an unsigned one through as anonymous, and takes any secret with a known key id),
 * and every name it carries must fit and stay inside the file-backed store (request-guard.ts).
 */
const credentials = {
  accessKeyId: EMBEDDED_S3_CREDENTIALS.accessKeyId,
  secretAccessKey: process.env[EMBEDDED_S3_SECRET_ENV] || EMBEDDED_S3_CREDENTIALS.secretAccessKey,
};
delete process.env[EMBEDDED_S3_SECRET_ENV]; // not passed on to anything this process starts

function guardRequests(server: S3rver, directory: string): void {
  server.middleware.unshift(async (ctx, next) => {
    const unsigned = await signatureProblem({ method: ctx.method, url: ctx.url, headers: ctx.headers }, credentials);
    if (unsigned) return s3Error(ctx, 403, 'SignatureDoesNotMatch', `Refused: ${unsigned}`);
    const refused = requestProblem(ctx, directory);
    if (refused) return s3Error(ctx, refused.status, refused.code, refused.message);
    return next();
  });
}

function s3Error(ctx: S3rverContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
