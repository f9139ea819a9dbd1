import type { Pool } from "@neondatabase/serverless";
import { BACKEND_ROLE_NAMES, connectionEnvFor, type BackendRole } from "../roles/roles";
import { createPool } from "./driver";

/** A role's pool; requests reach it through `db/scoped.server.ts`, which checks out one connection per scope. */
interface RolePool {
  pool: Pool;
}

const pools = new Map<BackendRole, RolePool>();

/** One pool per backend role, made on first use and kept for the process. */
export function rolePool(role: BackendRole): RolePool {
  let entry = pools.get(role);
  if (!entry) {
    const envName = connectionEnvFor(role);
    const url = process.env[envName];
    // The configuration checked every role URL at boot; a gap here is a bug, not a user mistake.
    if (!url) throw new Error(`${envName} is not set: the ${role} role has no connection string`);
    const pool = createPool(url, { max: Number(process.env.WARDEN_POOL_MAX ?? 10) });
    entry = { pool };
    pools.set(role, entry);
  }
  return entry;
}

/**
 * Opens `perRole` connections in each request role's pool and returns them
 * to it idle, so the first requests after a start do not pay for connecting.
 * Best effort: a database that is not up yet is met by the requests' own
 * retry instead.
 */
export async function warmRolePools(perRole = 2): Promise<void> {
  await Promise.allSettled(
    BACKEND_ROLE_NAMES.map(async (role) => {
      const { pool } = rolePool(role);
      const clients = await Promise.allSettled(
        Array.from({ length: Math.min(perRole, pool.options.max ?? perRole) }, () =>
          pool.connect(),
        ),
      );
      for (const client of clients) if (client.status === "fulfilled") client.value.release();
    }),
  );
}

export async function closeRolePools() {
  const closing = [...pools.values()].map(({ pool }) => pool.end());
  pools.clear();
  await Promise.all(closing);
}
