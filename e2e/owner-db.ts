import { readFileSync } from "node:fs";
import path from "node:path";
import type { PoolClient } from "@neondatabase/serverless";
import { DEMO_ORG_ID } from "../db/demo-identities";
import { createPool } from "../db/driver";
import { localUrl } from "../db/local/stack";
import { startWsProxy } from "../db/local/ws-proxy";
import { E2E_DATA_DIR, E2E_DATABASE } from "./origin";

/**
 * The owner's view of this worker's database, to check what the pages
 * show against the truth (every tenant at once: say which one you count). Reached the app's way: the Neon driver through a
 * WebSocket proxy of our own in front of the e2e server's Postgres.
 */
export async function ownerDatabase() {
  const { pgPort } = JSON.parse(readFileSync(path.join(E2E_DATA_DIR, "stack.json"), "utf8")) as {
    pgPort: number;
  };
  const { ownerPassword } = JSON.parse(
    readFileSync(path.join(E2E_DATA_DIR, "secrets.json"), "utf8"),
  ) as { ownerPassword: string };
  const proxy = await startWsProxy({ host: "127.0.0.1", port: pgPort });
  process.env.WARDEN_LOCAL_WS_PROXY = proxy.address;
  const pool = createPool(localUrl("postgres", ownerPassword, pgPort, E2E_DATABASE), { max: 1 });
  // Rows inserted without a tenant land in the demo organization the tests act in.
  pool.on("connect", (client: PoolClient) => {
    void client.query("select set_config('request.jwt.claims', $1, false)", [
      JSON.stringify({ v: 2, o: { id: DEMO_ORG_ID } }),
    ]);
  });
  return {
    async count(sql: string, params: unknown[] = []) {
      const { rows } = await pool.query<{ n: string }>(sql, params);
      return Number(rows[0].n);
    },
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await pool.query<T>(sql, params)).rows;
    },
    async close() {
      await pool.end();
      await proxy.close();
    },
  };
}

/**
 * Runs `work` with these todos dated back to the head of the review queue
 * (oldest first, 20 at a time), whatever earlier specs left unreviewed, then
 * gives them their own dates again so later lists (newest first) still
 * show them where they were.
 */
export async function atHeadOfQueue<T>(ids: number[], work: () => Promise<T>): Promise<T> {
  const owner = await ownerDatabase();
  try {
    const dates = await owner.query<{ id: string; inserted_at: string }>(
      "select id, inserted_at::text from todos where id = any($1::bigint[])",
      [ids],
    );
    await owner.query(
      "update todos set inserted_at = timestamptz '2001-01-01' + id * interval '1 second' where id = any($1::bigint[])",
      [ids],
    );
    try {
      return await work();
    } finally {
      for (const { id, inserted_at } of dates)
        await owner.query("update todos set inserted_at = $2::timestamptz where id = $1", [
          id,
          inserted_at,
        ]);
    }
  } finally {
    await owner.close();
  }
}
