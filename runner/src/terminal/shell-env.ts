import { RUNNER_PROCESS_ENV } from '../tuning.js';

/** Variables the runner holds that user code must never see. */
const SECRET = /^(ORCHESTRATOR_TOKEN|AWS_.*|S3_.*)$/;
/** The runner's own tuning (its malloc settings): the user's programs get the system's defaults. */
const RUNNER_ONLY = new Set(Object.keys(RUNNER_PROCESS_ENV));

export interface ShellEnvOptions {
  home: string;
  replId: string;
  appPort: number;
}

/**
 * The environment of a terminal's shell: the runner's own minus its secrets and tuning, a 256-colour
 * UTF-8 terminal, and PORT pointing at the app port so a server started in the shell is the
 * one the preview shows.
 */
export function shellEnv(base: NodeJS.ProcessEnv, opts: ShellEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !SECRET.test(k) && !RUNNER_ONLY.has(k)) env[k] = v;
  }
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  env.LANG = base.LANG && /utf-?8/i.test(base.LANG) ? base.LANG : 'C.UTF-8';
  env.HOME = opts.home;
  env.REPL_ID = opts.replId;
  env.PORT = String(opts.appPort);
  env.CUBICLE = '1';
  return env;
}
