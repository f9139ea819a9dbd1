import path from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalStack } from "../local/stack";

declare module "vitest" {
  export interface ProvidedContext {
    databaseEnv: Record<string, string>;
  }
}

/** One embedded Postgres for the whole run, in its own data directory, migrated. */
export default async function setup(project: TestProject) {
  // Separate directories let two runs go side by side without sharing rows.
  process.env.WARDEN_DATA_DIR = path.resolve(process.env.WARDEN_TEST_DATA_DIR ?? ".data/test");
  const stack = await startLocalStack({ dataDir: process.env.WARDEN_DATA_DIR, log: () => {} });
  Object.assign(process.env, stack.env);
  const { migrateDatabase } = await import("../migrate");
  await migrateDatabase();
  // A run killed mid-test can leave injected faults behind; none may outlive it.
  const { createPool } = await import("../driver");
  const { dropFaultsLeftBehind } = await import("./fault-cleanup");
  const owner = createPool(process.env.DATABASE_URL!, { max: 1 });
  await dropFaultsLeftBehind(owner).finally(() => owner.end());
  project.provide("databaseEnv", { ...stack.env, WARDEN_DATA_DIR: process.env.WARDEN_DATA_DIR });
  return async () => {
    await stack.stop();
  };
}
