import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The orchestrator serves `dist/` at `/` (client-side routes fall back to index.html).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    manifest: true, // scripts/bundle-report.mjs reads which chunks each page loads
    target: 'es2022',
    // The editor and terminal are lazy chunks; only the home page must stay small.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `pnpm --filter @cubicle/frontend dev`: the IDE with hot reload against a running orchestrator.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
