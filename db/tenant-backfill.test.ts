import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/neon-serverless";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import type { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, expect, it } from "vitest";
import { roleSetupStatements } from "../roles/setup";
import { createPool } from "./driver";

/**
 * The tenants migration on a database that already has todos, reviews and
 * audit entries from before it: every row must stay reachable by its owner
 * (in their personal workspace), and no organization may see any of it.
 */

const MIGRATIONS = fileURLToPath(new URL("../migrations", import.meta.url));
const DATABASE = "warden_backfill_test";
const LAST_BEFORE_TENANTS = "0005_local_sessions_and_separation_of_duties";

const inDatabase = (url: string) => {
  const parsed = new URL(url);
  parsed.pathname = `/${DATABASE}`;
  return parsed.toString();
};

let admin: Pool;
let owner: Pool;
let oldMigrations: string;

/** The migrations folder as it stood before tenants: the same files, the journal cut after 0005. */
function migrationsBeforeTenants(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "warden-migrations-"));
  cpSync(MIGRATIONS, dir, { recursive: true });
  const journalFile = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((entry) => entry.tag === LAST_BEFORE_TENANTS);
  expect(cut).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, cut + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

beforeAll(async () => {
  admin = createPool(process.env.DATABASE_URL!, { max: 1 });
  await admin.query(`drop database if exists ${DATABASE}`);
  await admin.query(`create database ${DATABASE}`);
  owner = createPool(inDatabase(process.env.DATABASE_URL!), { max: 1 });
  for (const statement of roleSetupStatements({ sessionJwtAvailable: false }))
    await owner.query(statement);
  oldMigrations = migrationsBeforeTenants();
  await migrate(drizzle(owner), { migrationsFolder: oldMigrations });

  // Life before tenants: todos of two people, a review, an edit and a deletion in the audit log.
  await owner.query(
    "insert into todos (user_id, task) values ('user_old_a', 'a1'), ('user_old_a', 'a2'), ('user_old_b', 'b1'), ('user_old_b', 'b2')",
  );
  await owner.query(
    "insert into todo_reviews (todo_id, reviewer_id, verdict) select id, 'user_old_mod', 'flagged' from todos where task = 'b1'",
  );
  await owner.query("update todos set is_complete = true where task = 'a1'");
  await owner.query("delete from todos where task = 'b2'");

  await migrate(drizzle(owner), { migrationsFolder: MIGRATIONS });
}, 120_000);

afterAll(async () => {
  await owner?.end();
  await admin?.query(`drop database if exists ${DATABASE}`);
  await admin?.end();
  rmSync(oldMigrations, { recursive: true, force: true });
});

it("moves every todo into its owner's personal workspace, and nothing else changes", async () => {
  const { rows } = await owner.query(
    "select tenant_id, user_id, task, is_complete from todos order by task",
  );
  expect(rows).toEqual([
    { tenant_id: "personal:user_old_a", user_id: "user_old_a", task: "a1", is_complete: true },
    { tenant_id: "personal:user_old_a", user_id: "user_old_a", task: "a2", is_complete: false },
    { tenant_id: "personal:user_old_b", user_id: "user_old_b", task: "b1", is_complete: false },
  ]);
});

it("keeps reviews with their todo's tenant, and gives every audit entry one", async () => {
  expect((await owner.query("select tenant_id, verdict::text from todo_reviews")).rows).toEqual([
    { tenant_id: "personal:user_old_b", verdict: "flagged" },
  ]);
  const { rows } = await owner.query(
    "select table_name, action::text, tenant_id from audit.audit_log order by id",
  );
  expect(rows.length).toBe(7);
  expect(rows.filter((row) => row.tenant_id === null)).toEqual([]);
  // The deleted todo's entries kept its owner's workspace too.
  expect(rows.filter((row) => row.action === "delete")).toEqual([
    { table_name: "todos", action: "delete", tenant_id: "personal:user_old_b" },
  ]);
  // The backfill itself wrote no audit entries.
  expect(rows.filter((row) => row.action === "update")).toHaveLength(1);
});

async function visibleTo(claims: object, backendRole: "authenticated_backend" | "admin_backend") {
  const envName =
    backendRole === "admin_backend" ? "DATABASE_ADMIN_URL" : "DATABASE_AUTHENTICATED_URL";
  const pool = createPool(inDatabase(process.env[envName]!), { max: 1 });
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select set_config('request.jwt.claims', $1, true)", [
      JSON.stringify(claims),
    ]);
    const { rows } = await client.query("select task from todos order by task");
    await client.query("commit");
    return rows.map((row) => row.task);
  } finally {
    client.release();
    await pool.end();
  }
}

it("each owner still reaches their own todos, in their personal workspace", async () => {
  expect(await visibleTo({ sub: "user_old_a" }, "authenticated_backend")).toEqual(["a1", "a2"]);
  expect(await visibleTo({ sub: "user_old_b" }, "authenticated_backend")).toEqual(["b1"]);
});

it("no organization sees any of them, not even its admin", async () => {
  expect(
    await visibleTo(
      { sub: "user_old_a", v: 2, o: { id: "org_acme", rol: "member" } },
      "authenticated_backend",
    ),
  ).toEqual([]);
  expect(
    await visibleTo(
      { sub: "user_admin", v: 2, o: { id: "org_acme", rol: "admin" } },
      "admin_backend",
    ),
  ).toEqual([]);
});
