import { RESERVED_ENV_NAMES } from '@cubicle/protocol';

/**
 * The repl's own variables and secrets (set in the IDE, kept encrypted by the orchestrator, handed
 * to the runner over its API). Held in memory only, never written to the workspace or the state
 * folder; every shell, process start and run started after a change gets them.
 */
export class ReplEnvironment {
  private vars: Record<string, string> = {};
  private readonly listeners = new Set<() => void>();

  constructor(private readonly base: Record<string, string>) {}

  /**
   * The environment of a new shell, process or run: the runner's base, then the project's
   * defaults (cubicle.json's `env`), then the repl's variables (NODE_ENV, LANG… may be changed),
   * and last the names Cubicle sets (PORT, HOME…) as the base has them.
   */
  current(project: Record<string, string> = {}): Record<string, string> {
    const reserved = Object.fromEntries(Object.entries(this.base).filter(([k]) => RESERVED_ENV_NAMES.test(k)));
    const own = Object.fromEntries(Object.entries(this.vars).filter(([k]) => !RESERVED_ENV_NAMES.test(k)));
    return { ...this.base, ...project, ...own, ...reserved };
  }

  replace(vars: Record<string, string>): void {
    this.vars = { ...vars };
    for (const l of this.listeners) l();
  }

  get names(): string[] {
    return Object.keys(this.vars).sort();
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }
}
