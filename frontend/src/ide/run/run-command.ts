import { CubicleConfig } from '@cubicle/protocol';
import { type RunnerConnection, RunnerRequestError } from '../../runner/runner-connection';

export type RunCommand = { command: string; source: 'cubicle.json' | 'guess' } | { error: string };

/** `run` from a cubicle.json text, or why it cannot be used, in words. */
export function runFromConfig(text: string): RunCommand | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { error: `cubicle.json is not valid JSON: ${(err as Error).message}` };
  }
  const parsed = CubicleConfig.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `cubicle.json: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}` };
  }
  return parsed.data.run ? { command: parsed.data.run, source: 'cubicle.json' } : null;
}

/** Without a `run`, what the project most likely means (as the runner's process manager will guess). */
export function guessRunCommand(names: string[]): string | null {
  const has = (n: string) => names.includes(n);
  if (has('package.json')) return 'npm start';
  if (has('main.py')) return 'python3 main.py';
  if (has('main.sh')) return 'bash main.sh';
  if (has('index.html')) return 'python3 -m http.server $PORT --bind 0.0.0.0';
  return null;
}

/** The command the Run button types, read fresh on every press (edits to cubicle.json apply at once). */
export async function resolveRunCommand(connection: RunnerConnection): Promise<RunCommand> {
  try {
    const file = await connection.request('fetchContent', { path: 'cubicle.json' });
    const fromConfig = runFromConfig(file.encoding === 'utf8' ? file.content : '');
    if (fromConfig) return fromConfig;
  } catch (err) {
    if (!(err instanceof RunnerRequestError && err.code === 'ENOENT')) return { error: (err as Error).message };
  }
  const { entries } = await connection.request('fetchDir', { path: '' });
  const guess = guessRunCommand(entries.map((e) => e.name));
  return guess
    ? { command: guess, source: 'guess' }
    : { error: 'Nothing to run: add "run" to cubicle.json (e.g. { "run": "node index.js" }).' };
}
