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
  process.env.WARDEN_DATA_DIR = path.resolve(".data/test");
  const stack = await startLocalStack({ dataDir: process.env.WARDEN_DATA_DIR, log: () => {} });
  Object.assign(process.env, stack.env);
  const { migrateDatabase } = await import("../migrate");
  await migrateDatabase();
  project.provide("databaseEnv", { ...stack.env, WARDEN_DATA_DIR: process.env.WARDEN_DATA_DIR });
  return async () => {
    await stack.stop();
  };
}
