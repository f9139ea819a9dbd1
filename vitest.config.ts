import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{app,db,roles,bench}/**/*.test.ts"],
    globalSetup: ["./db/testing/global-setup.ts"],
    setupFiles: ["./db/testing/setup-env.ts"],
    // Database test files share one Postgres and assert exact row counts.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
