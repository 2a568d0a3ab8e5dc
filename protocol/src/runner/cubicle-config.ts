import { z } from 'zod';

/** Process and task names (docs/architecture.md, "Processes and runs"). */
export const ProcessName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'names are [A-Za-z0-9_-]{1,64}');

/**
 * The workspace file `cubicle.json`: how the project runs and what stays out of storage.
 * Unknown keys are kept (loose) so a newer file still works with an older runner.
 */
export const CubicleConfig = z
  .object({
    /** The Run button's command: the supervised process `app`, given PORT=$APP_PORT. */
    run: z.string().min(1).optional(),
    processes: z.record(ProcessName, z.string().min(1)).optional(),
    tasks: z.record(ProcessName, z.string().min(1)).optional(),
    env: z.record(z.string(), z.string()).optional(),
    /** Restart the Run button's app when a file of the workspace changes (saved in the IDE or written in the shell). */
    restartOnSave: z.boolean().optional(),
    /** gitignore-style patterns never uploaded to object storage. */
    ignore: z.array(z.string()).optional(),
  })
  .loose();
export type CubicleConfig = z.infer<typeof CubicleConfig>;

/**
 * The `run` command when cubicle.json gives none: what the workspace's files suggest (`npm start`
 * for a package.json, as a person would type it). Null when nothing fits.
 */
export function guessRunCommand(fileNames: readonly string[]): string | null {
  const has = (n: string) => fileNames.includes(n);
  if (has('package.json')) return 'npm start';
  if (has('main.py')) return 'python3 main.py';
  if (has('main.sh')) return 'bash main.sh';
  if (has('index.html')) return 'python3 -m http.server $PORT --bind 0.0.0.0';
  return null;
}
