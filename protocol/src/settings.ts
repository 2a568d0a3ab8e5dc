import type { z } from 'zod';

/**
 * Settings are environment variables declared once, as zod schemas whose fields carry a
 * `.describe()` sentence: the typed config is parsed from them, and `docs/configuration.md` and
 * each CLI's `--help` are made from them (a test fails when the document is stale).
 */

/** A configuration that cannot be used, with every problem in one sentence (exit code 2). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses one schema of settings; a ConfigError names every problem at once. */
export function parseSettings<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw configError(what, settingProblems(parsed.error));
}

export function settingProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`);
}

export function configError(what: string, problems: string[]): ConfigError {
  return new ConfigError(`invalid ${what} configuration: ${problems.join('; ')}`);
}

export interface SettingRow {
  name: string;
  /** The default as written in the environment, or null when there is none. */
  default: string | null;
  required: boolean;
  description: string;
}

type Node = {
  _zod: { def: { type: string; defaultValue?: unknown; innerType?: Node; in?: Node } };
  description?: string;
};

/** The rows of a settings schema: name, default, whether required, and its sentence. */
export function describeSettings(schema: z.ZodObject): SettingRow[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    let node = field as unknown as Node | undefined;
    let fallback: string | null = null;
    let required = true;
    while (node) {
      const def = node._zod.def;
      if (def.type === 'default') {
        fallback = String(def.defaultValue);
        required = false;
      }
      if (def.type === 'optional') required = false;
      node = def.innerType ?? def.in;
    }
    return { name, default: fallback, required, description: (field as unknown as Node).description ?? '' };
  });
}

export interface SettingGroup {
  title: string;
  /** One paragraph: who reads these and when. */
  intro: string;
  schema: z.ZodObject;
}

/** A Markdown section per group: a table of every setting. */
export function settingsMarkdown(groups: SettingGroup[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return groups
    .map((g) => {
      const rows = describeSettings(g.schema).map(
        (r) =>
          `| \`${r.name}\` | ${r.default === null ? (r.required ? '**required**' : '(none)') : `\`${cell(r.default)}\``} | ${cell(r.description)} |`,
      );
      return [
        `## ${g.title}`,
        '',
        g.intro,
        '',
        '| setting | default | meaning |',
        '| --- | --- | --- |',
        ...rows,
        '',
      ].join('\n');
    })
    .join('\n');
}

/** The settings as plain text for a `--help`. */
export function settingsHelp(groups: SettingGroup[]): string {
  return groups
    .map((g) => {
      const rows = describeSettings(g.schema).map((r) => {
        const fallback = r.default === null ? (r.required ? ' (required)' : '') : ` (default: ${r.default})`;
        return `  ${r.name}${fallback}\n      ${r.description}`;
      });
      return `${g.title}:\n${rows.join('\n')}`;
    })
    .join('\n\n');
}

/** The effective settings for a start-up log line: secrets are shown as set or not, never their values. */
export function effectiveSettings(
  groups: SettingGroup[],
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of groups) {
    for (const r of describeSettings(g.schema)) {
      const value = env[r.name] ?? r.default;
      if (value === null || value === undefined) continue;
      out[r.name] = /SECRET|TOKEN|PASSWORD|KEY$/i.test(r.name) && r.name !== 'AWS_ACCESS_KEY_ID' ? '(set)' : value;
    }
  }
  return out;
}
