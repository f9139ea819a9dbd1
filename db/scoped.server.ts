import { sql } from "drizzle-orm";
import type { Identity } from "../roles/identity";
import { rolePool, type Database } from "./pools.server";

export type ScopedTx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * The only way request code reaches the database. It takes an identity the
 * web edge has already verified (a rejected token never gets this far), then,
 * on the pool of the role the identity maps to, one transaction sets the
 * claims with is_local = true (so they end with the transaction and cannot
 * leak to the next borrower of the connection) and runs the callback.
 * Row-Level Security decides what the callback sees.
 */
export async function withIdentity<T>(identity: Identity, run: (tx: ScopedTx) => Promise<T>): Promise<T> {
  const { db } = rolePool(identity.backendRole);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('request.jwt.claims', ${JSON.stringify(identity.claims)}, true)`);
    return run(tx);
  });
}
