#!/usr/bin/env node
// The `runner` command. A committed file that loads the built CLI, so that pnpm can link the
// command on a fresh install, before `pnpm build` has made dist/ (no "Failed to create bin").
await import('../dist/cli.js');
