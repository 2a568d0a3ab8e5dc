import path from 'node:path';
import { ORCHESTRATOR_SETTINGS } from '@cubicle/orchestrator/config';
import { settingsMarkdown } from '@cubicle/protocol';
import { RUNNER_SETTINGS } from '@cubicle/runner/config';
import { S3_SETTINGS } from '@cubicle/storage';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/**
 * docs/configuration.md, made from the settings' own declarations (each schema field's
 * `.describe()`): `node scripts/configuration-docs.mjs` writes it, a test fails when it is stale.
 */
export function configurationDocument(): string {
  const body = settingsMarkdown([...ORCHESTRATOR_SETTINGS, ...RUNNER_SETTINGS, S3_SETTINGS]);
  return `<!-- Generated from the settings' declarations by \`node scripts/configuration-docs.mjs\`: edit those, not this file. -->

# Configuration

Every setting is an environment variable, declared once in code (\`orchestrator/src/config.ts\`,
\`runner/src/config.ts\`, \`storage/src/s3-settings.ts\`) with its type, default and meaning. This
page and each command's \`--help\` are made from those declarations; each process logs its
effective settings at start (secrets as "(set)"). A value that does not parse stops the process
with one line naming every problem (exit code 2).

${body.split(REPO_ROOT).join('.')}`;
}
