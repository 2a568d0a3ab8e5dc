#!/usr/bin/env node
/**
 * `orchestrator [serve]`: the REST API, the gateway and the local driver on ORCHESTRATOR_PORT.
 * With no S3 settings it starts the embedded S3 server (data in DATA_DIR/s3). SIGINT/SIGTERM
 * flush and stop every running repl, then exit 0; a second signal is only acknowledged.
 * Exit codes: 0 clean, 1 failed to start or to stop, 2 invalid configuration.
 */
import { effectiveSettings, settingsHelp } from '@cubicle/protocol';
import { S3_SETTINGS } from '@cubicle/storage';
import { ConfigError, loadOrchestratorConfig, ORCHESTRATOR_SETTINGS } from './config.js';
import { createLogger } from './log.js';
import { startOrchestrator } from './orchestrator.js';

const USAGE = `usage: orchestrator [serve]

  serve   the REST API, the IDE, the gateway and the driver on ORCHESTRATOR_HOST:ORCHESTRATOR_PORT
          (the embedded S3 server too, without S3_BUCKET). Ctrl-C saves every repl and stops.

Configuration (environment variables; docs/configuration.md):

${settingsHelp([...ORCHESTRATOR_SETTINGS, S3_SETTINGS])}`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const [command = 'serve', ...extra] = args;
if (command !== 'serve' || extra.length > 0) {
  console.error(
    `orchestrator: unknown ${command !== 'serve' ? `command "${command}"` : `argument "${extra[0]}"`}\n\n${USAGE}`,
  );
  process.exit(2);
}

let config: ReturnType<typeof loadOrchestratorConfig>;
try {
  config = loadOrchestratorConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const log = createLogger(config.logLevel);
log.info({ settings: effectiveSettings([...ORCHESTRATOR_SETTINGS, S3_SETTINGS], process.env) }, 'settings');

try {
  const orchestrator = await startOrchestrator(config, log);
  process.stderr.write(
    `\nCubicle is running: ${orchestrator.url.replace('127.0.0.1', 'localhost')}/\n` +
      `  previews at ${orchestrator.hosts.url('preview', '<id>')}, runners at ${orchestrator.hosts.url('runner', '<id>')}\n` +
      `  data in ${config.dataDir}; Ctrl-C saves every repl to storage and stops\n\n`,
  );
  let stopping: Promise<void> | null = null;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'already stopping: flushing repls to storage');
      return;
    }
    // On one machine, Ctrl-C ends Cubicle: every repl is saved and stopped. In a cluster the
    // orchestrator is replaced by rollouts; repl pods live on and the next one adopts them.
    const stopSandboxes = config.driver === 'local';
    log.info(
      { signal, stopSandboxes },
      stopSandboxes ? 'stopping: flushing and stopping every repl' : 'stopping; repl pods keep running',
    );
    stopping = orchestrator.close({ stopSandboxes }).then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (err) {
  log.error({ err }, 'orchestrator failed to start');
  console.error(`orchestrator: ${(err as Error).message}`);
  process.exit(1);
}
