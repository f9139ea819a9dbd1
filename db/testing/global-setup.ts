import path from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalStack } from "../local/stack";
import { cloneDatabase, databaseOf, dropDatabase, withDatabase } from "../local/clones";
import { workerDatabase, workerDatabasePattern } from "./worker-database";

declare module "vitest" {
  export interface ProvidedContext {
    databaseEnv: Record<string, string>;
  }
}

/**
 * One embedded Postgres for the whole run, in its own data directory; one
 * database migrated once, and a clone of it for every worker
 * (db/testing/worker-database.ts), made afresh each run.
 */
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

  const workers = Math.max(
    ...project.vitest.projects.map(
      (each) => each.config.maxWorkers || project.vitest.config.maxWorkers,
    ),
  );
  // CREATE DATABASE … TEMPLATE refuses while anyone is connected to the template, this session included.
  const maintenance = createPool(withDatabase(stack.env.DATABASE_URL, "postgres"), { max: 1 });
  try {
    // Last run's clones hold its rows, and there may be more of them than this run has workers.
    const { rows } = await maintenance.query<{ name: string }>(
      "select datname as name from pg_database where datname like $1",
      [workerDatabasePattern(stack.env)],
    );
    for (const { name } of rows) await dropDatabase(maintenance, name);
    const template = databaseOf(stack.env.DATABASE_URL);
    for (let poolId = 1; poolId <= workers; poolId++)
      await cloneDatabase(maintenance, template, workerDatabase(stack.env, poolId));
  } finally {
    await maintenance.end();
  }

  // The key and secrets the app makes on first use under the data directory:
  // made here, before any worker starts, so that no worker reads one another
  // is still writing.
  for (const name of ["CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"]) delete process.env[name];
  const { localJwks } = await import("../../app/auth/local-idp.server");
  const { cookieSecret } = await import("../../app/lib/cookie-secret.server");
  const { localWebhookSecret } = await import("../local/webhook-secret");
  await Promise.all([localJwks(), cookieSecret(), localWebhookSecret(process.env.WARDEN_DATA_DIR)]);

  project.provide("databaseEnv", { ...stack.env, WARDEN_DATA_DIR: process.env.WARDEN_DATA_DIR });
  return async () => {
    await stack.stop();
  };
}
