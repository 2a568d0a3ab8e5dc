#!/usr/bin/env node
import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { effectiveSettings, settingsHelp } from '@cubicle/protocol';
import { ObjectStore, S3_SETTINGS, StorageBroker, StorageError } from '@cubicle/storage';
import { ConfigError, loadBrokerConfig, loadPullConfig, loadRunnerConfig, RUNNER_SETTINGS } from './config.js';
import { createLogger } from './log.js';
import { dropPrivileges } from './privileges.js';
import { serve } from './serve.js';
import { ProcessGuardError, sealProcess } from './support/process-guard.js';
import { NothingToPullError, pullWorkspace } from './sync/workspace-pull.js';

const USAGE = `usage: runner <command>

  pull [--allow-empty]  download code/REPL_ID/ from S3_BUCKET into WORKSPACE_DIR
  serve                 serve WORKSPACE_DIR over Socket.io and HTTP on HOST:PORT, syncing it to S3
  broker                a repl pod's storage broker: REPL_ID's objects only, on BROKER_SOCKET, signed
                        with the credentials only this process holds (docs/security.md)

Configuration (environment variables; docs/configuration.md):

${settingsHelp([...RUNNER_SETTINGS, S3_SETTINGS])}`;

async function main(argv: string[]): Promise<number> {
  // Before any shell exists: the repl's processes share our user id (support/process-guard.ts).
  sealProcess();
  const [command, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if ((command === 'serve' || command === 'broker') && rest.length > 0) {
    console.error(`runner ${command}: unknown argument "${rest[0]}"\n\n${USAGE}`);
    return 2;
  }
  switch (command) {
    case 'pull':
      return pullCommand(rest);
    case 'serve':
      return serveCommand();
    case 'broker':
      return brokerCommand();
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

async function pullCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'allow-empty': { type: 'boolean', default: false } } });
  const config = loadPullConfig();
  const log = createLogger(config.logLevel, { repl: config.replId });
  await fs.mkdir(config.workspaceDir, { recursive: true });
  await fs.mkdir(config.stateDir, { recursive: true });
  await dropPrivileges(config.runAs, [config.workspaceDir, config.stateDir], log);
  const store = new ObjectStore(config.s3);
  try {
    await pullWorkspace({
      store,
      replId: config.replId,
      root: config.workspaceDir,
      stateDir: config.stateDir,
      log,
      allowEmpty: values['allow-empty'],
    });
    return 0;
  } finally {
    store.destroy();
  }
}

async function serveCommand(): Promise<number> {
  const config = loadRunnerConfig();
  const log = createLogger(config.logLevel, { repl: config.replId });
  log.info({ settings: effectiveSettings([...RUNNER_SETTINGS, S3_SETTINGS], process.env) }, 'settings');
  const runner = await serve(config, log);
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      runner.shutdown(signal).then(
        (clean) => resolve(clean ? 0 : 1),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    // Repeated signals join the shutdown under way instead of killing it mid-flush.
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Serves until SIGTERM: a native sidecar, it is stopped after the runner has flushed through it. */
async function brokerCommand(): Promise<number> {
  const config = loadBrokerConfig();
  const log = createLogger(config.logLevel);
  const broker = new StorageBroker(config.s3, log);
  // The socket's folder is a volume of this pod alone; the runner runs as another user.
  await broker.open(config.replId, config.socket, null, 0o666);
  log.info({ socket: config.socket, replId: config.replId }, 'storage broker listening');
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'storage broker stopping');
  await broker.close(config.replId);
  return 0;
}

// If the event loop ever drains with the command unfinished (a promise that can never settle), Node
// would exit 0 and an init container would report success: make that a failure instead.
process.exitCode = 70;
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Configuration and storage problems are one clear line; anything else is a bug and keeps its stack.
    if (err instanceof StorageError || err instanceof NothingToPullError || err instanceof ProcessGuardError) {
      console.error(`runner: ${err.message}`);
      process.exit(1);
    }
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
