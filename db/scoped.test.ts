import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity } from "../roles/identity";
import { freshUserId, identityFor, ownerPool } from "./testing/identities";
import { closeRolePools, rolePool } from "./pools.server";
import { todos } from "./schema";
import { withIdentityAtOnce, SESSION_ENDED, withIdentity } from "./scoped.server";

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
    const { rows } = await pool.query(
      "select count(*)::int as n, auth.user_id() as uid from todos",
    );
    expect(rows[0]).toEqual({ n: 0, uid: null });
  });

  it("with no claims set, even the moderator's insert is refused", async () => {
    const { pool } = rolePool("moderator_backend");
    await expect(pool.query("insert into todos (task) values ('anonymous')")).rejects.toMatchObject(
      { code: expect.stringMatching(/^(23502|42501)$/) },
    );
  });

  const connectionState = async () => {
    const { rows } = await rolePool("authenticated_backend").pool.query(
      "select pg_backend_pid() as pid, current_setting('request.jwt.claims', true) as claims, auth.user_id() as uid, (select count(*)::int from todos) as visible",
    );
    return rows[0] as { pid: number; claims: string | null; uid: string | null; visible: number };
  };

  it("do not leak to the next borrower after COMMIT", async () => {
    const pid = await withIdentity(aliceIdentity, async (tx) => {
      const { rows } = await tx.execute<{ pid: number; visible: number }>(
        sql`select pg_backend_pid() as pid, (select count(*)::int from todos) as visible`,
      );
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

describe("reads in one message", () => {
  const connectionState = async () => {
    const { rows } = await rolePool("authenticated_backend").pool.query(
      "select pg_backend_pid() as pid, current_setting('request.jwt.claims', true) as claims, auth.user_id() as uid, (select count(*)::int from todos) as visible",
    );
    return rows[0] as { pid: number; claims: string | null; uid: string | null; visible: number };
  };
  const pidAndVisible = sql`select pg_backend_pid() as pid, (select count(*)::int from todos) as visible`;

  it("see the claims in every statement of the message, and leave none behind", async () => {
    const [first, second] = await withIdentityAtOnce(aliceIdentity, (tx) =>
      Promise.all([
        tx.execute<{ pid: number; visible: number }>(pidAndVisible),
        tx.select().from(todos),
      ]),
    );
    expect(first.rows[0].visible).toBe(2);
    expect(second.map((todo) => todo.task).sort()).toEqual(["a", "b"]);
    const after = await connectionState();
    expect(after.pid).toBe(first.rows[0].pid);
    expect(after).toMatchObject({ claims: "", uid: null, visible: 0 });
  });

  it("leave no claims behind when a statement of the message fails, and run nothing after it", async () => {
    const marker = `never-${Date.now()}`;
    let pid = 0;
    await expect(
      withIdentity(aliceIdentity, async (tx) => {
        pid = (await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)).rows[0].pid;
        return Promise.all([
          tx.execute(sql`select 1 / 0`),
          tx.insert(todos).values({ task: marker }),
        ]);
      }),
    ).rejects.toMatchObject({ cause: { code: "22012" } });
    await expect(
      withIdentityAtOnce(aliceIdentity, (tx) =>
        Promise.all([tx.execute(sql`select 1 / 0`), tx.insert(todos).values({ task: marker })]),
      ),
    ).rejects.toMatchObject({
      cause: { code: "22012" },
    });
    const after = await connectionState();
    expect(after.pid).toBe(pid);
    expect(after).toMatchObject({ claims: "", uid: null, visible: 0 });
    const { rows } = await owner.query("select count(*)::int as n from todos where task = $1", [
      marker,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it("leave no claims behind when the callback throws while its message is on the wire", async () => {
    await expect(
      withIdentityAtOnce(aliceIdentity, async (tx) => {
        void tx.execute(pidAndVisible).catch(() => {});
        throw new Error("gave up");
      }),
    ).rejects.toThrow("gave up");
    expect(await connectionState()).toMatchObject({ claims: "", uid: null, visible: 0 });
  });

  it("refuse a second batch: it would run outside the transaction, without the claims", async () => {
    await expect(
      withIdentityAtOnce(aliceIdentity, async (tx) => {
        await tx.execute(pidAndVisible);
        return tx.execute(pidAndVisible);
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/second batch/) } });
    expect(await connectionState()).toMatchObject({ claims: "", uid: null, visible: 0 });
  });

  it("refuse a query started after the scope ended, so it never reaches the next borrower", async () => {
    let late: Promise<unknown> | undefined;
    await withIdentityAtOnce(aliceIdentity, async (tx) => {
      await tx.execute(pidAndVisible);
      setImmediate(() => (late = tx.execute(pidAndVisible)));
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(late).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/after its scoped transaction had ended/) },
    });
    expect(await connectionState()).toMatchObject({ claims: "", uid: null, visible: 0 });
  });
});

describe("an ended session", () => {
  const sessionOf = async (ended: boolean) => {
    const id = `sess_${crypto.randomUUID()}`;
    await owner.query(
      "insert into local_sessions (id, user_id, expires_at, ended_at) values ($1, $2, now() + interval '1 hour', $3)",
      [id, alice, ended ? new Date() : null],
    );
    return {
      sessionId: id,
      identity: { ...aliceIdentity, claims: { ...aliceIdentity.claims, sid: id } },
    };
  };

  it("stops the statements pipelined behind the check: the write sent with it never happens", async () => {
    const marker = `after-sign-out-${Date.now()}`;
    const { sessionId, identity } = await sessionOf(true);
    for (const scope of [withIdentity, withIdentityAtOnce]) {
      await expect(
        scope(identity, (tx) => tx.insert(todos).values({ task: marker }), { sessionId }),
      ).rejects.toMatchObject({ cause: { code: SESSION_ENDED } });
    }
    const { rows } = await owner.query("select count(*)::int as n from todos where task = $1", [
      marker,
    ]);
    expect(rows[0].n).toBe(0);
    expect(
      await rolePool("authenticated_backend").pool.query(
        "select current_setting('request.jwt.claims', true) as claims",
      ),
    ).toMatchObject({ rows: [{ claims: "" }] });
  });

  it("a live one lets them through", async () => {
    const { sessionId, identity } = await sessionOf(false);
    const rows = await withIdentityAtOnce(identity, (tx) => tx.select().from(todos), { sessionId });
    expect(rows).toHaveLength(2);
  });
});

describe("a connection lost after the message went out", () => {
  // The backend ends itself inside the message: the statements were sent, and
  // for all the app can tell a write among them may have committed.
  const dies = sql`select pg_terminate_backend(pg_backend_pid())`;

  it("is asked again only when the scope is idempotent (a read)", async () => {
    const previous = process.env.WARDEN_DB_WAIT_MS;
    process.env.WARDEN_DB_WAIT_MS = "600";
    try {
      const attempts = { write: 0, read: 0 };
      await expect(
        withIdentityAtOnce(aliceIdentity, (tx) => (attempts.write++, tx.execute(dies))),
      ).rejects.toMatchObject({ cause: { code: "57P01" } });
      await expect(
        withIdentityAtOnce(aliceIdentity, (tx) => (attempts.read++, tx.execute(dies)), {
          idempotent: true,
        }),
      ).rejects.toMatchObject({ cause: { code: "57P01" } });
      expect(attempts.write).toBe(1);
      expect(attempts.read).toBeGreaterThan(1);
    } finally {
      process.env.WARDEN_DB_WAIT_MS = previous;
    }
  });
});
