import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ORCHESTRATOR_SETTINGS } from '@cubicle/orchestrator/config';
import { describeSettings } from '@cubicle/protocol';
import { RUNNER_SETTINGS } from '@cubicle/runner/config';
import { S3_SETTINGS } from '@cubicle/storage';
import { configurationDocument } from './support/configuration-document.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

test('docs/configuration.md is what the settings declare (run node scripts/configuration-docs.mjs)', () => {
  const committed = fs.readFileSync(path.join(ROOT, 'docs', 'configuration.md'), 'utf8');
  assert.equal(committed, configurationDocument(), 'stale: regenerate it with node scripts/configuration-docs.mjs');
});

test('every setting says what it is for', () => {
  for (const group of [...ORCHESTRATOR_SETTINGS, ...RUNNER_SETTINGS, S3_SETTINGS]) {
    for (const row of describeSettings(group.schema)) {
      assert.ok(row.description.length > 10, `${group.title}: ${row.name} has no description`);
    }
  }
});
