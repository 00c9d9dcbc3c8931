import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One worker per core (the default leaves one idle): the files wait on servers, browsers and
    // disks as much as they compute, and they share nothing (each has its own stores and ports).
    maxWorkers: '100%',
    globalSetup: ['./test/global-setup.ts'],
    // A statement on a server's writing connection from outside its write queue fails the test (writer-ownership.ts).
    env: { TRUENORTH_CHECK_WRITER: '1' },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
