import { LOGIN_ROLES } from "../../roles/roles";

/** Every variable that names the database: the owner's and each login role's. */
const URL_ENV = ["DATABASE_URL", ...LOGIN_ROLES.map(({ urlEnv }) => urlEnv)];

export const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

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

/** The same connection strings (same server, roles and proxy), pointed at `database`. */
export function envForDatabase(
  env: Readonly<Record<string, string>>,
  database: string,
): Record<string, string> {
  const moved = { ...env };
  for (const name of URL_ENV) {
    if (!env[name]) continue;
    const url = new URL(env[name]);
    url.pathname = `/${encodeURIComponent(database)}`;
    moved[name] = url.toString();
  }
  return moved;
}
