import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@etl/source` export condition, so tests need
// no build; processes that tests spawn (the CLI) run the built `dist/` instead. The condition is ours alone (a bundler
// that sets `development` must not pick up `src/*.ts`), and published manifests drop it (`publishConfig.exports`).
const conditions = ['@etl/source', 'import', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@etl/source'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          // Vitest's default on 2 cores is 1 worker; these files mostly wait on sockets (stand-ins, MariaDB, Chromium).
          maxWorkers: 2,
        },
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
