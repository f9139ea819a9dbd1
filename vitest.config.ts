import { configDefaults, defineConfig } from "vitest/config";

/**
 * Files that change what every database on the server shares, so they run
 * alone, one at a time, after the rest: login roles (ALTER ROLE from two
 * sessions at once fails with "tuple concurrently updated") and the server
 * itself (stopped and started again).
 */
const WHOLE_SERVER = [
  "roles/setup.test.ts",
  "db/tenant-backfill.test.ts",
  "app/routes/availability.test.ts",
];

const shared = {
  setupFiles: ["./db/testing/setup-env.ts"],
  // Files share the CPUs with the other workers' (and on a busy machine, with more).
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    // Each worker has a database of its own (db/testing/global-setup.ts).
    globalSetup: ["./db/testing/global-setup.ts"],
    // Files spend most of their time waiting on Postgres: on two CPUs, three workers beat two and four.
    maxWorkers: 3,
    projects: [
      {
        test: {
          ...shared,
          name: "databases",
          include: ["{app,db,roles,bench}/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...WHOLE_SERVER],
        },
      },
      {
        test: {
          ...shared,
          name: "whole-server",
          include: WHOLE_SERVER,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
