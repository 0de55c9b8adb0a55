import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real builds under QEMU take tens of seconds; the machine has 2 cores, so at most 2 test files at once.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 180_000,
    hookTimeout: 300_000,
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
