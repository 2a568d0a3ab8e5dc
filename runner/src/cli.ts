#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { mintRunnerToken } from './auth/runner-token.js';
import { ConfigError, loadRunnerConfig } from './config.js';
import { createLogger } from './log.js';
import { serve } from './serve.js';

const USAGE = `usage: runner <command>

  serve                 serve WORKSPACE_DIR over Socket.io and HTTP on HOST:PORT
  token [--user U] [--ttl SECONDS] [--repl ID]
                        print a runner token signed with RUNNER_TOKEN_SECRET (default repl: REPL_ID)

Configuration comes from the environment; see the README.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand();
    case 'token':
      return tokenCommand(rest);
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`runner: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function serveCommand(): Promise<number> {
  const config = loadRunnerConfig();
  const log = createLogger(config.logLevel, { repl: config.replId });
  const runner = await serve(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      runner.shutdown(signal).then(resolve, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

async function tokenCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      user: { type: 'string', default: 'local' },
      ttl: { type: 'string', default: '86400' },
      repl: { type: 'string' },
    },
  });
  const secret = process.env.RUNNER_TOKEN_SECRET;
  const replId = values.repl ?? process.env.REPL_ID;
  const ttl = Number(values.ttl);
  if (!secret || secret.length < 16) throw new ConfigError('RUNNER_TOKEN_SECRET (16+ characters) is required');
  if (!replId) throw new ConfigError('--repl or REPL_ID is required');
  if (!Number.isInteger(ttl) || ttl <= 0) throw new ConfigError('--ttl must be a positive number of seconds');
  console.log(await mintRunnerToken({ secret, replId, user: values.user ?? 'local', ttlSeconds: ttl }));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Configuration mistakes are one clear line; anything else is a bug and keeps its stack.
    if (
      err instanceof ConfigError ||
      (err instanceof TypeError && 'code' in err && err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    ) {
      console.error(`runner: ${err.message}`);
    } else {
      console.error(err);
    }
    process.exit(2);
  },
);
