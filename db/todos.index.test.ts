import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshUserId, ownerPool, identityFor } from "./testing/identities";
import { closeRolePools } from "./pools.server";
import { withIdentity } from "./scoped.server";
import { buildListQuery } from "./todo-list.server";

const owner = ownerPool();
const prefix = freshUserId("bulk");
const alice = freshUserId("alice");

beforeAll(async () => {
  // 100,000 rows over 1,000 owners, plus a handful for the user under test.
  await owner.query(
    "insert into todos (user_id, task) select $1 || '_' || (g % 1000), 'bulk ' || g from generate_series(1, 100000) g",
    [prefix],
  );
  await owner.query(
    "insert into todos (user_id, task) select $1, 'mine ' || g from generate_series(1, 5) g",
    [alice],
  );
  await owner.query("analyze todos");
});

afterAll(async () => {
  await owner.query("delete from todos where user_id like $1 || '%' or user_id = $2", [
    prefix,
    alice,
  ]);
  await owner.end();
  await closeRolePools();
});

it("a member's list query under RLS (no WHERE in app code) reads the tenant-and-owner index in order, with no sort", async () => {
  const { plan, rows } = await withIdentity(identityFor(alice, "org:member"), async (tx) => {
    const explain = await tx.execute<{ "QUERY PLAN": string }>(
      sql`explain select * from todos order by inserted_at desc`,
    );
    const list = await tx.execute(sql`select * from todos order by inserted_at desc`);
    return { plan: explain.rows.map((row) => row["QUERY PLAN"]).join("\n"), rows: list.rows };
  });
  expect(rows).toHaveLength(5);
  expect(plan).toMatch(/Index Scan Backward using todos_tenant_user_inserted_at_id_idx/);
  expect(plan).not.toMatch(/Sort/);
  expect(plan).not.toMatch(/Seq Scan on todos/);
  console.log(`EXPLAIN under RLS as ${alice}:\n${plan}`);
});

it("a member's first page of /todos, as the app asks for it, reads their todos newest first from the index and their verdicts through one hashed set of their todo ids", async () => {
  const plan = await withIdentity(identityFor(alice, "org:member"), async (tx) =>
    (
      await tx.execute<{ "QUERY PLAN": string }>(sql`explain ${buildListQuery({ sort: "newest" })}`)
    ).rows
      .map((row) => row["QUERY PLAN"])
      .join("\n"),
  );
  expect(plan).toMatch(/Index Scan Backward using todos_tenant_user_inserted_at_id_idx on todos t/);
  expect(plan).not.toMatch(/Sort Key: t\.inserted_at/);
  expect(plan).not.toMatch(/Seq Scan on todos/);
  // The review policy's set of visible todos is built once per statement, not probed per review row.
  expect(plan).toMatch(/ANY \(todo_id = \(hashed SubPlan \d+\)\.col1\)/);
  console.log(`EXPLAIN of the first page under RLS as ${alice}:\n${plan}`);
});
