import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      // In-process code, files and loopback sockets only: no build, no root, no external program.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The built bundles, keepalived, promtool, openssl, strace, network namespaces and the lab.
      {
        extends: true,
        test: { name: 'system', include: ['test/*.test.ts'], globalSetup: ['test/support/build.ts'] },
      },
    ],
  },
});
