import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity } from "../roles/identity";
import { freshUserId, identityFor, ownerPool } from "./testing/identities";
import { closeRolePools, rolePool } from "./pools.server";
import { todos } from "./schema";
import { withIdentity } from "./scoped.server";

// One connection per role pool, so the next transaction gets the very
// connection the previous one used.
process.env.WARDEN_POOL_MAX = "1";

const owner = ownerPool();
const alice = freshUserId("alice");
let aliceIdentity: Identity;

beforeAll(async () => {
  aliceIdentity = identityFor(alice, "org:member");
  await owner.query("insert into todos (user_id, task) values ($1, 'a'), ($1, 'b')", [alice]);
});

afterAll(async () => {
  await owner.query("delete from todos where user_id = $1", [alice]);
  await owner.end();
  await closeRolePools();
});

it("checks out one connection of the identity's role per transaction", async () => {
  let acquired = 0;
  const pool = rolePool("authenticated_backend").pool;
  const onAcquire = () => acquired++;
  pool.on("acquire", onAcquire);
  await withIdentity(aliceIdentity, (tx) => tx.select().from(todos));
  pool.off("acquire", onAcquire);
  expect(acquired).toBe(1);
});

describe("claims", () => {
  it("with no claims set, a backend role sees zero rows", async () => {
    const { pool } = rolePool("authenticated_backend");
    const { rows } = await pool.query("select count(*)::int as n, auth.user_id() as uid from todos");
    expect(rows[0]).toEqual({ n: 0, uid: null });
  });

  it("with no claims set, even the moderator's insert is refused", async () => {
    const { pool } = rolePool("moderator_backend");
    await expect(pool.query("insert into todos (task) values ('anonymous')")).rejects.toMatchObject({ code: expect.stringMatching(/^(23502|42501)$/) });
  });

  const connectionState = async () => {
    const { rows } = await rolePool("authenticated_backend").pool.query(
      "select pg_backend_pid() as pid, current_setting('request.jwt.claims', true) as claims, auth.user_id() as uid, (select count(*)::int from todos) as visible",
    );
    return rows[0] as { pid: number; claims: string | null; uid: string | null; visible: number };
  };

  it("do not leak to the next borrower after COMMIT", async () => {
    const pid = await withIdentity(aliceIdentity, async (tx) => {
      const { rows } = await tx.execute<{ pid: number; visible: number }>(sql`select pg_backend_pid() as pid, (select count(*)::int from todos) as visible`);
      expect(rows[0].visible).toBe(2);
      return rows[0].pid;
    });
    const after = await connectionState();
    expect(after.pid).toBe(pid);
    expect(after).toMatchObject({ claims: "", uid: null, visible: 0 });
  });

  it("do not leak to the next borrower after ROLLBACK", async () => {
    let pid = 0;
    await expect(
      withIdentity(aliceIdentity, async (tx) => {
        const { rows } = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
        pid = rows[0].pid;
        throw new Error("abort the transaction");
      }),
    ).rejects.toThrow("abort the transaction");
    const after = await connectionState();
    expect(after.pid).toBe(pid);
    expect(after).toMatchObject({ claims: "", uid: null, visible: 0 });
  });
});
