import { defineConfig } from 'vitest/config'

// `npx vitest run` at the root runs every package's tests plus the packaging test;
// `npm test` runs the same through turbo, one package at a time in dependency order.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      { test: { name: 'packaging', include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 } },
    ],
  },
})
