import type { Identity } from "../../roles/identity";
import { rolePool } from "../pools.server";

/**
 * One statement as a request role would run it — on that role's own pool,
 * claims set locally in the same transaction — but in any shape at all: no
 * WHERE, no RETURNING, INSERT … SELECT. What the policies allow, nothing else.
 */
export async function rawAs(identity: Identity, statement: string, params: unknown[] = []) {
  const client = await rolePool(identity.backendRole).pool.connect();
  try {
    await client.query("begin");
    await client.query("select set_config('request.jwt.claims', $1, true)", [
      JSON.stringify(identity.claims),
    ]);
    const result = await client.query(statement, params);
    await client.query("commit");
    return { rowCount: result.rowCount, rows: result.rows };
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    client.release();
  }
}
