import { z } from 'zod';

/**
 * Names the IDE and the sandbox set themselves: a repl's variables cannot replace them.
 * (PORT is the app's port, HOME the shell's home, REPL_ID and CUBICLE* say where code runs.)
 */
export const RESERVED_ENV_NAMES = /^(PORT|HOME|REPL_ID|CUBICLE.*)$/;

export const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'names are letters, digits and _ (not starting with a digit), at most 128')
  .refine((n) => !RESERVED_ENV_NAMES.test(n), 'PORT, HOME, REPL_ID and CUBICLE* are set by Cubicle');
/** A value: one line or many (a PEM key), at most 16 KB. */
export const EnvValue = z.string().max(16 * 1024);
/** Enough for any app's configuration; a bound on what every shell's environment carries. */
export const ENV_MAX_VARIABLES = 100;
/** All names and values of a repl together (UTF-8 bytes): Linux takes far more, but a shell's environment should stay small. */
export const ENV_MAX_TOTAL_BYTES = 64 * 1024;

export const EnvParams = z.object({ id: z.string(), name: EnvName });
export const SetEnvRequest = z.object({
  value: EnvValue,
  /** A secret's value is never shown again (the list says only that it is set). */
  secret: z.boolean().default(true),
});
export type SetEnvRequest = z.infer<typeof SetEnvRequest>;

export const EnvVariable = z.object({
  name: EnvName,
  secret: z.boolean(),
  /** The value of a plain variable; null for a secret. */
  value: z.string().nullable(),
  updatedAt: z.string(),
});
export type EnvVariable = z.infer<typeof EnvVariable>;
export const EnvList = z.object({ variables: z.array(EnvVariable) });
export type EnvList = z.infer<typeof EnvList>;

/** What the orchestrator hands a running runner (`PUT /api/environment`): every variable, values included. */
export const RunnerEnvironment = z.object({
  variables: z
    .record(EnvName, EnvValue)
    .refine((v) => Object.keys(v).length <= ENV_MAX_VARIABLES, 'too many variables'),
});
export type RunnerEnvironment = z.infer<typeof RunnerEnvironment>;
