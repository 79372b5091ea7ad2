import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Fails the run if a test leaves a raftkit-* directory in the temp dir.
    globalSetup: ['test/support/temp-dirs.ts'],
  },
});
