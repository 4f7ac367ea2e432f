import { defineConfig } from "vitest/config";

// `npm run test:acceptance` (docs/acceptance.md): its own config, so that `npm test` does not run it.
export default defineConfig({
  test: {
    include: ["test/acceptance/**/*.acceptance.ts"],
    testTimeout: 20 * 60_000,
    hookTimeout: 10 * 60_000,
    pool: "forks",
  },
});
