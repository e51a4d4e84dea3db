import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/fuzz.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each e2e file starts its own twin (emulators, ports, process.env): keep files isolated.
    isolate: true,
    coverage: {
      provider: 'v8',
      include: ['functions/**/*.ts', 'lib/**/*.ts'],
      reporter: ['text-summary', 'json-summary', 'html'],
      // The domain is tested at the lowest layer: its floor is a gate, not a report.
      thresholds: { 'functions/core/**': { lines: 90 } },
    },
  },
});
