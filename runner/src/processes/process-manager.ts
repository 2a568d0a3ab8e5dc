import type { ProcessConfigStatus, ProcessInfo } from '@cubicle/protocol';
import { RunnerError } from '../errors.js';
import type { CubicleConfigFile, ResolvedConfig } from './cubicle-config-file.js';
import { SupervisedProcess, type SupervisedProcessOptions } from './supervised-process.js';

export interface ProcessManagerOptions
  extends Pick<
    SupervisedProcessOptions,
    'cwd' | 'memoryLimitBytes' | 'replMemory' | 'backoffMs' | 'log' | 'onStatus' | 'onLog'
  > {
  config: CubicleConfigFile;
  /** The environment of a process starting now, given cubicle.json's `env` (see ReplEnvironment.current). */
  env(project: Record<string, string>): NodeJS.ProcessEnv;
}

/** The named processes of cubicle.json, kept in step with the file (re-read when it changes). */
export class ProcessManager {
  private readonly processes = new Map<string, SupervisedProcess>();
  private resolved: ResolvedConfig;

  constructor(private readonly opts: ProcessManagerOptions) {
    this.resolved = opts.config.read();
    this.apply();
  }

  get config(): ResolvedConfig {
    return this.resolved;
  }

  get status(): ProcessConfigStatus {
    return this.resolved.status;
  }

  /** Re-reads cubicle.json: new processes appear, changed commands apply at the next start. */
  async reload(): Promise<void> {
    this.resolved = this.opts.config.read();
    const removed = [...this.processes.keys()].filter((name) => !(name in this.resolved.processes));
    for (const name of removed) {
      await this.processes.get(name)?.stop();
      this.processes.delete(name);
    }
    this.apply();
  }

  list(): ProcessInfo[] {
    return [...this.processes.values()].map((p) => p.info());
  }

  get(name: string): SupervisedProcess {
    const p = this.processes.get(name);
    if (!p) {
      const known = [...this.processes.keys()].join(', ') || 'none';
      throw new RunnerError('ENOENT', `no process "${name}" in cubicle.json (known: ${known})`);
    }
    return p;
  }

  /** Whether the Run button's app is up: it keeps the repl from being reaped as idle. */
  get appRunning(): boolean {
    return this.processes.get('app')?.isRunning ?? false;
  }

  /** The repl's variables changed: each process gets them at its next start. */
  refreshEnvironment(): void {
    this.apply();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
  }

  /** Only `app` is given PORT (=$APP_PORT): the preview shows what listens there. */
  private envFor(name: string): NodeJS.ProcessEnv {
    const env = this.opts.env(this.resolved.env);
    if (name !== 'app') delete env.PORT;
    return env;
  }

  private apply(): void {
    for (const [name, command] of Object.entries(this.resolved.processes)) {
      const existing = this.processes.get(name);
      if (existing) {
        existing.configure(command, this.envFor(name));
        continue;
      }
      this.processes.set(
        name,
        new SupervisedProcess({
          name,
          command,
          cwd: this.opts.cwd,
          env: this.envFor(name),
          memoryLimitBytes: this.opts.memoryLimitBytes,
          replMemory: this.opts.replMemory,
          backoffMs: this.opts.backoffMs,
          log: this.opts.log,
          onStatus: this.opts.onStatus,
          onLog: this.opts.onLog,
        }),
      );
    }
  }
}
