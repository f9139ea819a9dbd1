import { sql } from "drizzle-orm";
import type { Identity } from "../app/auth/token.server";
import { tokenVerifier } from "../app/auth/verifier.server";
import { rolePool, type Database } from "./pools.server";

export type ScopedTx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * The only way request code reaches the database. The token is verified
 * first; a rejected token never touches a connection. Then, on the pool of
 * the role the token's org role maps to, one transaction sets the claims
 * with is_local = true (so they end with the transaction and cannot leak to
 * the next borrower of the connection) and runs the callback. Row-Level
 * Security decides what the callback sees.
 */
export async function withIdentity<T>(token: string, run: (tx: ScopedTx, identity: Identity) => Promise<T>): Promise<T> {
  const identity = await (await tokenVerifier()).verify(token);
  const { db } = rolePool(identity.backendRole);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('request.jwt.claims', ${JSON.stringify(identity.claims)}, true)`);
    return run(tx, identity);
  });
}
