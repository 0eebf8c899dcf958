import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `development` export condition, so tests need
// no build; processes that tests spawn (the CLI) run the built `dist/` instead.
const conditions = ['development', 'import', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['development'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false },
      },
      {
        extends: true,
        test: { name: 'reliability', include: ['test/reliability/**/*.test.ts'], fileParallelism: false },
      },
    ],
  },
});
