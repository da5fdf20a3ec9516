import { configDefaults, defineConfig } from 'vitest/config';

/** Test files that mock a module (vi.mock): they run in a fresh module graph of their own. */
const MOCKING = ['test/readme-figures.test.ts'];

export default defineConfig({
  test: {
    pool: 'threads',
    testTimeout: 60_000,
    projects: [
      {
        // The other files share their worker's modules (isolate: false): the model, XState and the
        // simulator are imported once per worker instead of once per file.
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...MOCKING],
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: MOCKING } },
    ],
  },
});
