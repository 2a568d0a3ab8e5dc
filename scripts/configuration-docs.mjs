#!/usr/bin/env node
// Writes docs/configuration.md from the settings' declarations (run after `pnpm build`).
import fs from 'node:fs';
import path from 'node:path';
import { configurationDocument } from '../e2e/dist/support/configuration-document.js';

const file = path.resolve(import.meta.dirname, '..', 'docs', 'configuration.md');
fs.writeFileSync(file, configurationDocument());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
