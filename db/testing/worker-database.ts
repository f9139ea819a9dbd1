import { databaseOf } from "../local/clones";

/**
 * The database a Vitest worker has to itself (VITEST_POOL_ID, 1 to
 * maxWorkers), cloned from the migrated one that `env` names. Test files
 * assert exact rows, audit entries and faults of their own database, so two
 * files running at once must never share one.
 */
export function workerDatabase(env: Readonly<Record<string, string>>, poolId: number | string) {
  return `${databaseOf(env.DATABASE_URL)}_worker_${poolId}`;
}

/** The pattern (LIKE) that every worker's clone of `env`'s database matches. */
export function workerDatabasePattern(env: Readonly<Record<string, string>>) {
  return `${databaseOf(env.DATABASE_URL).replace(/[\\_%]/g, "\\$&")}\\_worker\\_%`;
}
