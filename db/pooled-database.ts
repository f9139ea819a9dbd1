import type { Pool } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";

/**
 * A drizzle database over a pool whose transactions survive dead
 * connections. drizzle's pooled transaction sends BEGIN before its
 * try/finally, so a connection that died while idle in the pool
 * (pg_terminate_backend, a restart, a failover) fails BEGIN and is never
 * released: after the pool's max of those, every request waits for a
 * connection that never comes back. Here each transaction checks its client
 * out itself and always releases it. After a failure one round trip tells
 * whether the session survived; a dead one is destroyed, not handed to the
 * next caller.
 */
export function pooledDatabase<TSchema extends Record<string, unknown>>(
  pool: Pool,
  schema: TSchema,
): NeonDatabase<TSchema> {
  const transaction: NeonDatabase<TSchema>["transaction"] = async (run, config) => {
    const client = await pool.connect();
    let dead: Error | undefined;
    try {
      return await drizzle(client, { schema }).transaction(run, config);
    } catch (error) {
      dead = await client.query("select 1").then(
        () => undefined,
        (pingError: Error) => pingError,
      );
      throw error;
    } finally {
      client.release(dead);
    }
  };
  return Object.assign(drizzle(pool, { schema }), { transaction });
}
