import fs from 'node:fs';
import path from 'node:path';
import { CubicleConfig, guessRunCommand, type ProcessConfigStatus } from '@cubicle/protocol';

export interface ResolvedConfig {
  /** Long-lived processes by name; `app` is the Run button's. */
  processes: Record<string, string>;
  tasks: Record<string, string>;
  env: Record<string, string>;
  /** cubicle.json's `restartOnSave`: the app restarts when workspace files change. */
  restartOnSave: boolean;
  status: ProcessConfigStatus;
}

/**
 * The workspace's `cubicle.json` as the process manager reads it. A file that cannot be used
 * keeps the last good reading and says why (shown in the IDE); without a file, `run` is guessed.
 */
export class CubicleConfigFile {
  private lastGood: ResolvedConfig | null = null;

  constructor(private readonly workspaceDir: string) {}

  read(): ResolvedConfig {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.workspaceDir, 'cubicle.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        return this.problem(`cubicle.json: ${(err as Error).message}`);
      return this.remember(this.guess());
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return this.problem(`cubicle.json is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = CubicleConfig.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.problem(`cubicle.json: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
    }
    const c = parsed.data;
    const guessed = c.run ? null : this.guess();
    return this.remember({
      processes: { ...(c.run ? { app: c.run } : guessed?.processes), ...c.processes },
      tasks: { ...c.tasks },
      env: { ...c.env },
      restartOnSave: c.restartOnSave ?? false,
      status: { source: 'cubicle.json', problem: null, tasks: { ...c.tasks } },
    });
  }

  private guess(): ResolvedConfig {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.workspaceDir);
    } catch {
      // an empty or missing workspace guesses nothing
    }
    const run = guessRunCommand(names);
    return {
      processes: run ? { app: run } : {},
      tasks: {},
      env: {},
      restartOnSave: false,
      status: { source: run ? 'guess' : 'none', problem: null, tasks: {} },
    };
  }

  private problem(problem: string): ResolvedConfig {
    const base = this.lastGood ?? this.guess();
    return { ...base, status: { ...base.status, problem } };
  }

  private remember(config: ResolvedConfig): ResolvedConfig {
    this.lastGood = config;
    return config;
  }
}
