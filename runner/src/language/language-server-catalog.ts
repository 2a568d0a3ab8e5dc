import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LanguageServerId } from '@cubicle/protocol';
import { TSSERVER_MAX_HEAP_MB } from '../tuning.js';

/** How to run one language server, and what it needs to hear at `initialize` and after. */
export interface LanguageServerSpec {
  id: LanguageServerId;
  /** The program and its arguments (each server here is a Node script run by the runner's own Node). */
  command: string[];
  initializationOptions?: unknown;
  /** Answers to `workspace/configuration`, by section (`python.analysis`, `typescript`, …). */
  settings: Record<string, unknown>;
}

const require = createRequire(import.meta.url);

/** A package's bin script, from its own package.json (installed with the runner, never downloaded). */
function binOf(pkg: string, bin: string): string {
  const manifest = require.resolve(`${pkg}/package.json`);
  const bins = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> }).bin;
  const rel = bins[bin];
  if (!rel) throw new Error(`${pkg} has no bin ${bin}`);
  return path.join(path.dirname(manifest), rel);
}

// What language servers must not crawl: dependencies and caches stay out of their memory.
const EXCLUDED = ['**/node_modules', '**/.git', '**/.cache', '**/__pycache__', '**/.venv', '**/dist'];

/** The servers Cubicle runs, one per language family. */
export function languageServerSpec(id: LanguageServerId): LanguageServerSpec {
  const node = process.execPath;
  switch (id) {
    case 'typescript':
      return {
        id,
        command: [node, binOf('typescript-language-server', 'typescript-language-server'), '--stdio'],
        // The workspace's own TypeScript when it has one, the runner's otherwise.
        initializationOptions: {
          tsserver: {
            fallbackPath: path.dirname(require.resolve('typescript/lib/tsserver.js')),
            // One tsserver, not a second one for syntax alone: half the memory, in a pod that counts it.
            useSyntaxServer: 'never',
          },
          // Type acquisition downloads @types packages at run time: never (and sandboxes have no network).
          disableAutomaticTypingAcquisition: true,
          maxTsServerMemory: TSSERVER_MAX_HEAP_MB,
          // A rename changes the name everywhere, declaration included, instead of adding `as` aliases.
          preferences: { includeCompletionsForModuleExports: true, providePrefixAndSuffixTextForRename: false },
        },
        settings: {},
      };
    case 'python':
      return {
        id,
        command: [node, binOf('pyright', 'pyright-langserver'), '--stdio'],
        settings: {
          python: {},
          'python.analysis': {
            diagnosticMode: 'openFilesOnly',
            exclude: EXCLUDED,
            typeCheckingMode: 'basic',
            autoSearchPaths: true,
            useLibraryCodeForTypes: true,
          },
        },
      };
    case 'css':
    case 'html':
    case 'json':
      return {
        id,
        command: [node, binOf('vscode-langservers-extracted', `vscode-${id}-language-server`), '--stdio'],
        initializationOptions: { provideFormatter: true },
        settings: {
          css: { validate: true },
          scss: { validate: true },
          less: { validate: true },
          html: { validate: { scripts: true, styles: true } },
          json: { validate: { enable: true }, format: { enable: true } },
        },
      };
  }
}
