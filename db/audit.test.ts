import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../roles/roles";
import { AUDIT_PAGE_SIZE, listAudit, type AuditQuery, type AuditRow } from "./audit.server";
import { DEMO_ORG_ID } from "./demo-identities";
import { closeDirectoryPool } from "./directory/apply.server";
import { closeRolePools } from "./pools.server";
import { bigintArray } from "./sql";
import { todoReviews, todos } from "./schema";
import { withIdentity, type ScopedTx } from "./scoped.server";
import { addMembers } from "./testing/directory";
import { freshUserId, ownerPool, identityFor } from "./testing/identities";
import * as checks from "./testing/owner-checks";

const owner = ownerPool();
const auditHighWater = () => checks.auditHighWater(owner);
const createdTodos: number[] = [];
const actors: string[] = [];

afterAll(async () => {
  await owner.query("delete from todos where id = any($1::bigint[])", [createdTodos]);
  // The log is append-only for the app's roles, not for the owner: test entries would otherwise pile up run after run.
  await owner.query(
    "delete from audit.audit_log where todo_id = any($1::bigint[]) or actor = any($2::text[])",
    [createdTodos, actors],
  );
  await owner.query(
    "delete from directory.memberships where organization_id = $1 and user_id = any($2::text[])",
    [DEMO_ORG_ID, actors],
  );
  await owner.query("delete from directory.users where id = any($1::text[])", [actors]);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

const fresh = (label: string) => {
  const id = freshUserId(label);
  actors.push(id);
  return id;
};

/** Someone an admin may give a todo to: the database takes only members of the organization as owners. */
const freshMember = async (label: string) => {
  const id = fresh(label);
  await addMembers(DEMO_ORG_ID, [{ userId: id }], "Acme");
  return id;
};

const as = async (userId: string, orgRole: ClerkOrgRole) => {
  const identity = identityFor(userId, orgRole);
  return <T>(run: (tx: ScopedTx) => Promise<T>) => withIdentity(identity, run);
};

const txid = async (tx: ScopedTx) => {
  const { rows } = await tx.execute<{ txid: string }>(sql`select txid_current()::text as txid`);
  return rows[0].txid;
};

async function seedTodo(userId: string, task = `audited ${randomUUID()}`) {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) values ($1, $2) returning id",
    [userId, task],
  );
  createdTodos.push(Number(rows[0].id));
  return Number(rows[0].id);
}

async function seedReview(todoId: number, reviewerId: string) {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todo_reviews (todo_id, reviewer_id, verdict) values ($1, $2, 'approved') returning id",
    [todoId, reviewerId],
  );
  return Number(rows[0].id);
}

/** The row as the trigger serializes it (`to_jsonb` of the whole row), read behind RLS's back. */
async function rowJson(table: "todos" | "todo_reviews", id: number) {
  const { rows } = await owner.query(`select to_jsonb(r) as j from ${table} r where id = $1`, [id]);
  return rows[0]?.j ?? null;
}

async function entriesSince(since: number, table: string, rowId: number) {
  const { rows } = await owner.query(
    `select tx_id::text as tx_id, actor, db_role, action::text as action, table_name, row_id::int as row_id, todo_id::int as todo_id, before, after
       from audit.audit_log where id > $1 and table_name = $2 and row_id = $3 order by id`,
    [since, table, rowId],
  );
  return rows;
}

const refusedWith = (code: string) =>
  expect.objectContaining({ cause: expect.objectContaining({ code }) });

describe.each([
  { orgRole: "org:member" as const, dbRole: "authenticated_backend", ownsRow: true },
  { orgRole: "org:moderator" as const, dbRole: "moderator_backend", ownsRow: true },
  { orgRole: "org:admin" as const, dbRole: "admin_backend", ownsRow: false },
])("todos: each write by $orgRole is one entry", ({ orgRole, dbRole, ownsRow }) => {
  let actorId: string;
  let rowOwner: string;
  let actor: Awaited<ReturnType<typeof as>>;
  let todoId: number;
  beforeAll(async () => {
    actorId = fresh("writer");
    rowOwner = ownsRow ? actorId : await freshMember("owner");
    actor = await as(actorId, orgRole);
  });

  // The three steps share `todoId`, in order: insert, update, delete.
  it("insert", async () => {
    const since = await auditHighWater();
    const { id, tx } = await actor(async (tx) => {
      const [row] = await tx
        .insert(todos)
        .values({ userId: rowOwner, task: `inserted ${randomUUID()}` })
        .returning();
      return { id: row.id, tx: await txid(tx) };
    });
    createdTodos.push(id);
    todoId = id;
    expect(await entriesSince(since, "todos", id)).toEqual([
      {
        tx_id: tx,
        actor: actorId,
        db_role: dbRole,
        action: "insert",
        table_name: "todos",
        row_id: id,
        todo_id: id,
        before: null,
        after: await rowJson("todos", id),
      },
    ]);
  });

  it("update", async () => {
    const before = await rowJson("todos", todoId);
    const since = await auditHighWater();
    const tx = await actor(async (tx) => {
      expect(
        await tx
          .update(todos)
          .set({ task: "renamed", isComplete: true })
          .where(eq(todos.id, todoId))
          .returning(),
      ).toHaveLength(1);
      return txid(tx);
    });
    const after = await rowJson("todos", todoId);
    expect(after).toEqual({ ...before, task: "renamed", is_complete: true });
    expect(await entriesSince(since, "todos", todoId)).toEqual([
      {
        tx_id: tx,
        actor: actorId,
        db_role: dbRole,
        action: "update",
        table_name: "todos",
        row_id: todoId,
        todo_id: todoId,
        before,
        after,
      },
    ]);
  });

  it("delete", async () => {
    const before = await rowJson("todos", todoId);
    const since = await auditHighWater();
    const tx = await actor(async (tx) => {
      expect(await tx.delete(todos).where(eq(todos.id, todoId)).returning()).toHaveLength(1);
      return txid(tx);
    });
    expect(await rowJson("todos", todoId)).toBeNull();
    expect(await entriesSince(since, "todos", todoId)).toEqual([
      {
        tx_id: tx,
        actor: actorId,
        db_role: dbRole,
        action: "delete",
        table_name: "todos",
        row_id: todoId,
        todo_id: todoId,
        before,
        after: null,
      },
    ]);
  });
});

describe.each([
  { orgRole: "org:moderator" as const, dbRole: "moderator_backend" },
  { orgRole: "org:admin" as const, dbRole: "admin_backend" },
])(
  "todo_reviews: each write by $orgRole is one entry about the reviewed todo",
  ({ orgRole, dbRole }) => {
    let actorId: string;
    let actor: Awaited<ReturnType<typeof as>>;
    let todoId: number;
    let reviewId: number;
    beforeAll(async () => {
      actorId = fresh("reviewer");
      actor = await as(actorId, orgRole);
      todoId = await seedTodo(fresh("member"));
    });

    it("insert", async () => {
      const since = await auditHighWater();
      const { id, tx } = await actor(async (tx) => {
        const [row] = await tx
          .insert(todoReviews)
          .values({ todoId, verdict: "flagged", reason: "spam", note: "looks off" })
          .returning();
        return { id: row.id, tx: await txid(tx) };
      });
      reviewId = id;
      const after = await rowJson("todo_reviews", id);
      expect(after).toEqual(
        expect.objectContaining({ reviewer_id: actorId, todo_id: todoId, verdict: "flagged" }),
      );
      expect(await entriesSince(since, "todo_reviews", id)).toEqual([
        {
          tx_id: tx,
          actor: actorId,
          db_role: dbRole,
          action: "insert",
          table_name: "todo_reviews",
          row_id: id,
          todo_id: todoId,
          before: null,
          after,
        },
      ]);
    });

    it("update", async () => {
      const before = await rowJson("todo_reviews", reviewId);
      const since = await auditHighWater();
      const tx = await actor(async (tx) => {
        expect(
          await tx
            .update(todoReviews)
            .set({ verdict: "approved", reason: null, note: null })
            .where(eq(todoReviews.id, reviewId))
            .returning(),
        ).toHaveLength(1);
        return txid(tx);
      });
      const after = await rowJson("todo_reviews", reviewId);
      expect(after).toEqual({ ...before, verdict: "approved", reason: null, note: null });
      expect(await entriesSince(since, "todo_reviews", reviewId)).toEqual([
        {
          tx_id: tx,
          actor: actorId,
          db_role: dbRole,
          action: "update",
          table_name: "todo_reviews",
          row_id: reviewId,
          todo_id: todoId,
          before,
          after,
        },
      ]);
    });

    it("delete", async () => {
      const before = await rowJson("todo_reviews", reviewId);
      const since = await auditHighWater();
      const tx = await actor(async (tx) => {
        expect(
          await tx.delete(todoReviews).where(eq(todoReviews.id, reviewId)).returning(),
        ).toHaveLength(1);
        return txid(tx);
      });
      expect(await entriesSince(since, "todo_reviews", reviewId)).toEqual([
        {
          tx_id: tx,
          actor: actorId,
          db_role: dbRole,
          action: "delete",
          table_name: "todo_reviews",
          row_id: reviewId,
          todo_id: todoId,
          before,
          after: null,
        },
      ]);
    });
  },
);

describe("writes that change nothing leave no entry", () => {
  it("a member's update of someone else's todo matches no row and writes nothing", async () => {
    const victimTodo = await seedTodo(fresh("victim"));
    const since = await auditHighWater();
    const member = await as(fresh("member"), "org:member");
    expect(
      await member((tx) =>
        tx.update(todos).set({ task: "hijacked" }).where(eq(todos.id, victimTodo)).returning(),
      ),
    ).toEqual([]);
    expect(await entriesSince(since, "todos", victimTodo)).toEqual([]);
  });

  it("a member's refused review insert writes nothing", async () => {
    const memberId = fresh("member");
    const ownTodo = await seedTodo(memberId);
    const since = await auditHighWater();
    const member = await as(memberId, "org:member");
    await expect(
      member((tx) => tx.insert(todoReviews).values({ todoId: ownTodo, verdict: "approved" })),
    ).rejects.toEqual(refusedWith("42501"));
    const { rows } = await owner.query(
      "select count(*)::int as n from audit.audit_log where id > $1 and todo_id = $2",
      [since, ownTodo],
    );
    expect(rows[0].n).toBe(0);
  });
});

describe("ids never change, so no change can slip past the log", () => {
  it.each([
    ["todos", "org:member"],
    ["todos", "org:admin"],
    ["todo_reviews", "org:admin"],
  ] as const)(
    "an update of a %s id as %s is refused and the row and the log stay as they were",
    async (table, orgRole) => {
      const userId = fresh("renumber");
      const todoId = await seedTodo(userId);
      const rowId = table === "todos" ? todoId : await seedReview(todoId, fresh("reviewer"));
      const before = await rowJson(table, rowId);
      const since = await auditHighWater();
      const actor = await as(userId, orgRole);
      await expect(
        actor((tx) =>
          tx.execute(
            sql`update ${sql.identifier(table)} set id = id + 1000000000 where id = ${rowId}`,
          ),
        ),
      ).rejects.toEqual(refusedWith("23000"));
      expect(await rowJson(table, rowId)).toEqual(before);
      expect(await entriesSince(since, table, rowId)).toEqual([]);
    },
  );
});

describe("nobody but the triggers writes the log", () => {
  let target: { id: number; json: unknown };
  const forged = `forged_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    // An entry about someone's todo: the thing a rogue request would want to hide or rewrite.
    const todoId = await seedTodo(fresh("victim"));
    const { rows } = await owner.query(
      "select id::int as id, to_jsonb(a) as json from audit.audit_log a where todo_id = $1 and action = 'insert'",
      [todoId],
    );
    expect(rows).toHaveLength(1);
    target = rows[0];
  });

  async function logState() {
    const { rows } = await owner.query(
      "select count(*)::int as n, (select to_jsonb(a) from audit.audit_log a where id = $1) as target, count(*) filter (where actor = $2 or db_role = $2)::int as forged from audit.audit_log",
      [target.id, forged],
    );
    return rows[0];
  }

  const statements: [name: string, statement: () => ReturnType<typeof sql>][] = [
    [
      "update",
      () =>
        sql`update audit.audit_log set actor = ${forged}, before = null where id = ${target.id}`,
    ],
    ["delete", () => sql`delete from audit.audit_log where id = ${target.id}`],
    ["truncate", () => sql`truncate audit.audit_log`],
    [
      "insert",
      () =>
        sql`insert into audit.audit_log (tx_id, actor, db_role, action, table_name, row_id, todo_id) values (1, ${forged}, ${forged}, 'delete', 'todos', ${target.id}, ${target.id})`,
    ],
  ];

  describe.each([
    { orgRole: "org:member" as const, dbRole: "authenticated_backend" },
    { orgRole: "org:moderator" as const, dbRole: "moderator_backend" },
    { orgRole: "org:admin" as const, dbRole: "admin_backend" },
  ])("as $orgRole", ({ orgRole, dbRole }) => {
    it.each(statements)(
      "%s is refused with 42501 and the log is unchanged",
      async (_name, statement) => {
        const before = await logState();
        expect(before).toEqual({ n: expect.any(Number), target: target.json, forged: 0 });
        const actor = await as(fresh("rogue"), orgRole);
        const attempt = actor(async (tx) => {
          // The refusal must come from this role's privileges, not from some other connection.
          const { rows } = await tx.execute<{ role: string }>(sql`select session_user as role`);
          expect(rows[0].role).toBe(dbRole);
          return tx.execute(statement());
        });
        await expect(attempt).rejects.toEqual(refusedWith("42501"));
        expect(await logState()).toEqual(before);
      },
    );
  });
});

describe("reading the log", () => {
  let memberId: string;
  let moderatorId: string;
  let memberTodo: number;
  let moderatorTodo: number;

  beforeAll(async () => {
    memberId = fresh("member");
    moderatorId = fresh("moderator");
    memberTodo = (
      await (
        await as(memberId, "org:member")
      )((tx) => tx.insert(todos).values({ task: "member's own" }).returning())
    )[0].id;
    moderatorTodo = (
      await (
        await as(moderatorId, "org:moderator")
      )((tx) => tx.insert(todos).values({ task: "moderator's own" }).returning())
    )[0].id;
    createdTodos.push(memberTodo, moderatorTodo);
  });

  it("an admin sees the entries", async () => {
    const admin = await as(fresh("admin"), "org:admin");
    const page = await admin((tx) => listAudit(tx, { todoId: memberTodo }));
    expect(page.rows).toEqual([
      expect.objectContaining({
        actor: memberId,
        dbRole: "authenticated_backend",
        action: "insert",
        tableName: "todos",
        rowId: memberTodo,
        todoId: memberTodo,
      }),
    ]);
  });

  it.each([
    { orgRole: "org:member" as const, who: () => memberId, todo: () => memberTodo },
    { orgRole: "org:moderator" as const, who: () => moderatorId, todo: () => moderatorTodo },
  ])(
    "$orgRole sees the entry about their own todo (decision 019)",
    async ({ orgRole, who, todo }) => {
      const reader = await as(who(), orgRole);
      const page = await reader((tx) => listAudit(tx, { todoId: todo() }));
      expect(page.rows).toEqual([
        expect.objectContaining({
          actor: who(),
          action: "insert",
          tableName: "todos",
          rowId: todo(),
          todoId: todo(),
        }),
      ]);
    },
  );

  it("a member sees no entry about another member's todo, and none at all before doing anything", async () => {
    const { rows: exist } = await owner.query(
      "select count(*)::int as n from audit.audit_log where todo_id = $1",
      [memberTodo],
    );
    expect(exist[0].n).toBe(1);
    const reader = await as(fresh("member"), "org:member");
    const { visible, page } = await reader(async (tx) => {
      const { rows } = await tx.execute<{ n: string }>(
        sql`select count(*) as n from audit.audit_log`,
      );
      return { visible: Number(rows[0].n), page: await listAudit(tx, { todoId: memberTodo }) };
    });
    expect(visible).toBe(0);
    expect(page).toEqual({ rows: [], next: null, previous: null });
  });
});

describe("listAudit filters and keyset pages", () => {
  const N = 40;
  let actorA: string;
  let actorB: string;
  let admin: Awaited<ReturnType<typeof as>>;
  let ids: number[];
  /** All of actor A's entries, newest first: the order every page must follow. */
  let allA: AuditRow[];

  const list = (query: AuditQuery) => admin((tx) => listAudit(tx, query));

  beforeAll(async () => {
    actorA = fresh("auditA");
    actorB = fresh("auditB");
    const rowOwner = await freshMember("audited");
    const a = await as(actorA, "org:admin");
    const b = await as(actorB, "org:admin");
    admin = await as(fresh("reader"), "org:admin");

    // 3 × 40 entries by A, one transaction per action, and one entry by B in between.
    const inserted = await a((tx) =>
      tx
        .insert(todos)
        .values(
          Array.from({ length: N }, (_, index) => ({ userId: rowOwner, task: `paged ${index}` })),
        )
        .returning({ id: todos.id }),
    );
    ids = inserted.map((row) => row.id).sort((x, y) => x - y);
    createdTodos.push(...ids);
    await a((tx) =>
      tx.execute(sql`update todos set is_complete = true where id = any(${bigintArray(ids)})`),
    );
    await b((tx) => tx.execute(sql`update todos set task = 'touched by b' where id = ${ids[0]}`));
    await a((tx) => tx.execute(sql`delete from todos where id = any(${bigintArray(ids)})`));

    // Dates are arranged behind RLS's back: inserts just before a UTC midnight, updates exactly at it.
    await owner.query(
      `update audit.audit_log set occurred_at = case action when 'insert' then '2024-03-01 23:59:59.999999+00'::timestamptz else '2024-03-02 00:00:00+00'::timestamptz end
        where actor = $1 and action in ('insert', 'update')`,
      [actorA],
    );

    const { rows } = await owner.query(
      "select id::int as id, action::text as action from audit.audit_log where actor = $1 order by id desc",
      [actorA],
    );
    expect(rows).toHaveLength(3 * N);
    allA = rows;
  });

  const idsOf = (rows: { id: number }[]) => rows.map((row) => row.id);

  it("actor: three pages of 50, 50, 20, newest first, each entry once", async () => {
    expect(AUDIT_PAGE_SIZE).toBe(50);
    const first = await list({ actor: actorA });
    expect(first.rows.every((row) => row.actor === actorA)).toBe(true);
    expect(idsOf(first.rows)).toEqual(idsOf(allA.slice(0, 50)));
    expect(first.previous).toBeNull();
    expect(first.next).toBe(allA[49].id);

    const second = await list({ actor: actorA, after: first.next! });
    expect(idsOf(second.rows)).toEqual(idsOf(allA.slice(50, 100)));
    expect(second.previous).toBe(allA[50].id);
    expect(second.next).toBe(allA[99].id);

    const third = await list({ actor: actorA, after: second.next! });
    expect(idsOf(third.rows)).toEqual(idsOf(allA.slice(100)));
    expect(third.previous).toBe(allA[100].id);
    expect(third.next).toBeNull();
  });

  it("before: walks back to the same pages, and the first page has no previous", async () => {
    const back2 = await list({ actor: actorA, before: allA[100].id });
    expect(idsOf(back2.rows)).toEqual(idsOf(allA.slice(50, 100)));
    expect(back2.previous).toBe(allA[50].id);
    expect(back2.next).toBe(allA[99].id);

    const back1 = await list({ actor: actorA, before: back2.previous! });
    expect(idsOf(back1.rows)).toEqual(idsOf(allA.slice(0, 50)));
    expect(back1.previous).toBeNull();
    expect(back1.next).toBe(allA[49].id);
  });

  it("action", async () => {
    for (const action of ["insert", "update", "delete"] as const) {
      const page = await list({ actor: actorA, action });
      expect(idsOf(page.rows)).toEqual(idsOf(allA.filter((row) => row.action === action)));
      expect(page.next).toBeNull();
    }
  });

  it("todo: every entry about one todo, whoever wrote it", async () => {
    const page = await list({ todoId: ids[0] });
    expect(page.rows.map((row) => [row.actor, row.action, row.rowId])).toEqual([
      [actorA, "delete", ids[0]],
      [actorB, "update", ids[0]],
      [actorA, "update", ids[0]],
      [actorA, "insert", ids[0]],
    ]);
    expect(idsOf((await list({ todoId: ids[0], actor: actorA })).rows)).toEqual(
      idsOf(page.rows.filter((row) => row.actor === actorA)),
    );
    expect((await list({ todoId: ids[0], actor: actorB, action: "update" })).rows).toHaveLength(1);
  });

  it.each([
    ["the day before the midnight holds the inserts", { to: "2024-03-01" }, ["insert"]],
    [
      "the day of the midnight holds the updates",
      { from: "2024-03-02", to: "2024-03-02" },
      ["update"],
    ],
    ["both days", { from: "2024-03-01", to: "2024-03-02" }, ["insert", "update"]],
    ["from the midnight on", { from: "2024-03-02" }, ["update", "delete"]],
    ["a range with none of them", { from: "2024-03-03", to: "2024-12-31" }, []],
    ["a range before all of them", { from: "2024-01-01", to: "2024-02-29" }, []],
  ] as [string, AuditQuery, string[]][])("dates: %s", async (_name, dates, actions) => {
    const expected = allA.filter((row) => actions.includes(row.action));
    const seen: number[] = [];
    let after: number | undefined;
    do {
      const page = await list({ actor: actorA, ...dates, after });
      seen.push(...idsOf(page.rows));
      after = page.next ?? undefined;
    } while (after !== undefined);
    expect(seen).toEqual(idsOf(expected));
  });

  it("no match is an empty page without links", async () => {
    expect(await list({ actor: fresh("nobody") })).toEqual({
      rows: [],
      next: null,
      previous: null,
    });
  });
});
