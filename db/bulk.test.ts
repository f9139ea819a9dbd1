import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../roles/roles";
import { BulkTooLarge, NotAMember, runBulk, type BulkRequest } from "./bulk.server";
import { DEMO_ORG_ID } from "./demo-identities";
import { closeDirectoryPool } from "./directory/apply.server";
import { closeRolePools } from "./pools.server";
import { withIdentity, type ScopedTx } from "./scoped.server";
import { addMembers, removeMember } from "./testing/directory";
import { freshUserId, ownerPool, identityFor } from "./testing/identities";
import * as checks from "./testing/owner-checks";

const owner = ownerPool();
const snapshot = (ids: number[]) => checks.todosDigest(owner, ids);
const auditHighWater = () => checks.auditHighWater(owner);
const auditCountSince = (since: number, ids: number[]) => checks.auditCountSince(owner, since, ids);
// Every todo this file makes, whoever owns it by the end; their audit entries go with them.
const created: number[] = [];
/** Temporary trigger names, dropped again here should a timed-out test never reach its own `finally`. */
const triggers = new Set<string>();
/** People this file made members of the demo organization (where the rows here live), so they may own its todos. */
const members: string[] = [];

afterAll(async () => {
  for (const name of triggers) await dropTrigger(name);
  await owner.query("delete from todos where id = any($1::bigint[])", [created]);
  // The log is append-only for the app's roles, not for the owner: test entries would otherwise pile up run after run.
  await owner.query("delete from audit.audit_log where todo_id = any($1::bigint[])", [created]);
  await owner.query(
    "delete from directory.memberships where organization_id = $1 and user_id = any($2::text[])",
    [DEMO_ORG_ID, members],
  );
  await owner.query("delete from directory.users where id = any($1::text[])", [members]);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

async function makeMembers(...userIds: string[]) {
  members.push(...userIds);
  await addMembers(
    DEMO_ORG_ID,
    userIds.map((userId) => ({ userId })),
    "Acme",
  );
}

/** `n` open todos for `userId` in one statement, as set-based as the code under test. */
async function seedMany(userId: string, n: number, label = "bulk"): Promise<number[]> {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) select $1, $2 || ' ' || g from generate_series(1, $3::int) g returning id",
    [userId, `${label} ${randomUUID().slice(0, 8)}`, n],
  );
  const ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  created.push(...ids);
  // Without fresh statistics (say, after autovacuum saw the table empty) the
  // planner takes todos for empty and a filter target turns quadratic.
  if (n >= 1_000) await owner.query("analyze todos");
  return ids;
}

async function seedReview(todoId: number, reviewerId: string, verdict: "approved" | "flagged") {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todo_reviews (todo_id, reviewer_id, verdict, reason, note) values ($1, $2, $3, case when $3::review_verdict = 'flagged' then 'spam'::review_reason end, 'seeded') returning id",
    [todoId, reviewerId, verdict],
  );
  return Number(rows[0].id);
}

const as = async (userId: string, orgRole: ClerkOrgRole) => {
  const identity = identityFor(userId, orgRole);
  return <T>(run: (tx: ScopedTx) => Promise<T>) => withIdentity(identity, run);
};

/**
 * A temporary row-level trigger on todos that counts every row an UPDATE or
 * DELETE visits, in a sequence (not rolled back with the transaction), and
 * optionally fails on one id. Names are unique per call; `drop` removes all of it.
 */
async function rowTrigger(options: { failOn?: number } = {}) {
  const name = `warden_test_${randomUUID().replaceAll("-", "")}`;
  const marker = `forced failure ${randomUUID()}`;
  const fail =
    options.failOn === undefined
      ? ""
      : `if tg_op = 'UPDATE' and new.id = ${options.failOn} then raise exception '${marker}'; end if;`;
  triggers.add(name);
  await owner.query(`create sequence public.${name}`);
  await owner.query(`create function public.${name}() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $fn$
    begin
      perform nextval('public.${name}');
      ${fail}
      if tg_op = 'DELETE' then return old; end if;
      return new;
    end $fn$`);
  await owner.query(
    `create trigger ${name} before update or delete on public.todos for each row execute function public.${name}()`,
  );
  return {
    marker,
    async seen(): Promise<number> {
      const { rows } = await owner.query(
        `select case when is_called then last_value else 0 end::int as n from public.${name}`,
      );
      return rows[0].n;
    },
    async drop() {
      await dropTrigger(name);
      triggers.delete(name);
    },
  };
}

async function dropTrigger(name: string) {
  await owner.query(`drop trigger if exists ${name} on public.todos`);
  await owner.query(`drop function if exists public.${name}()`);
  await owner.query(`drop sequence if exists public.${name}`);
}

const refusedWith = (code: string) =>
  expect.objectContaining({ cause: expect.objectContaining({ code }) });

describe("admin: 10,000 rows in one set-based transaction", () => {
  let adminId: string;
  let admin: Awaited<ReturnType<typeof as>>;
  beforeAll(async () => {
    adminId = freshUserId("admin");
    admin = await as(adminId, "org:admin");
  });

  /**
   * Runs the bulk, reporting the transaction id and how long the database
   * spent between the statement before and the statement after it.
   */
  async function timedBulk(request: BulkRequest) {
    const started = performance.now();
    const outcome = await admin(async (tx) => {
      const { rows: start } = await tx.execute<{ txid: string; t: string }>(
        sql`select txid_current()::text as txid, extract(epoch from clock_timestamp())::text as t`,
      );
      const result = await runBulk(tx, request);
      const { rows: end } = await tx.execute<{ ms: string }>(
        sql`select ((extract(epoch from clock_timestamp()) - ${start[0].t}::numeric) * 1000)::text as ms`,
      );
      return { result, txid: Number(start[0].txid), databaseMs: Number(end[0].ms) };
    });
    return { ...outcome, wallMs: performance.now() - started };
  }

  async function expectOneAuditedTransaction(ids: number[], since: number, txid: number) {
    const { rows } = await owner.query(
      `select count(*)::int as n,
              count(distinct row_id)::int as distinct_rows,
              count(distinct tx_id)::int as transactions,
              min(tx_id)::text as tx_id,
              bool_and(actor = $3) as by_admin,
              bool_and(db_role = 'admin_backend') as as_admin_role,
              bool_and(action = 'update' and table_name = 'todos' and todo_id = row_id) as todo_updates,
              bool_and(before ->> 'is_complete' = 'false' and after ->> 'is_complete' = 'true') as open_to_complete,
              bool_and((before - 'is_complete') = (after - 'is_complete')) as nothing_else_changed
         from audit.audit_log where id > $1 and row_id = any($2::bigint[]) and table_name = 'todos'`,
      [since, ids, adminId],
    );
    expect(rows[0]).toEqual({
      n: ids.length,
      distinct_rows: ids.length,
      transactions: 1,
      tx_id: String(txid),
      by_admin: true,
      as_admin_role: true,
      todo_updates: true,
      open_to_complete: true,
      nothing_else_changed: true,
    });
  }

  it.for([
    [
      "a filter on the owner",
      (rowOwner: string, _ids: number[]): BulkRequest => ({
        action: "complete",
        target: { filter: { owner: rowOwner } },
      }),
    ],
    [
      "10,000 ids",
      (_rowOwner: string, ids: number[]): BulkRequest => ({ action: "complete", target: { ids } }),
    ],
  ] as const)(
    "completes 10,000 open todos chosen by %s, one audit entry each, one tx_id",
    async ([, request], { annotate }) => {
      const rowOwner = freshUserId("tenk");
      const ids = await seedMany(rowOwner, 10_000);
      // Another owner's open row must stay out of a filter on this owner.
      const [bystander] = await seedMany(freshUserId("bystander"), 1);
      const bystanderBefore = await snapshot([bystander]);
      const since = await auditHighWater();

      const { result, txid, databaseMs, wallMs } = await timedBulk(request(rowOwner, ids));
      await annotate(
        `bulk complete of 10,000 rows: ${databaseMs.toFixed(0)} ms in the database, ${wallMs.toFixed(0)} ms end to end`,
      );

      expect(result).toEqual({ changed: 10_000, txId: txid });
      const { rows } = await owner.query(
        "select count(*)::int as n, count(*) filter (where is_complete)::int as complete from todos where id = any($1::bigint[])",
        [ids],
      );
      expect(rows[0]).toEqual({ n: 10_000, complete: 10_000 });
      expect(await snapshot([bystander])).toEqual(bystanderBefore);
      await expectOneAuditedTransaction(ids, since, txid);
      expect(await auditCountSince(since, [bystander])).toBe(0);
    },
  );

  it("a second complete of the same rows changes nothing and writes no entries", async () => {
    const rowOwner = freshUserId("again");
    const ids = await seedMany(rowOwner, 50);
    await admin((tx) => runBulk(tx, { action: "complete", target: { ids } }));
    const since = await auditHighWater();
    expect(await admin((tx) => runBulk(tx, { action: "complete", target: { ids } }))).toEqual({
      changed: 0,
      txId: expect.any(Number),
    });
    expect(await auditCountSince(since, ids)).toBe(0);
  });
});

describe("a failing reassign leaves every row as it was", () => {
  let admin: Awaited<ReturnType<typeof as>>;
  beforeAll(async () => {
    admin = await as(freshUserId("admin"), "org:admin");
  });

  // The database's own check: nothing in the app asks first on this path.
  it.each([
    ["someone never in the organization", async () => freshUserId("ghost")],
    [
      "someone who left it",
      async () => {
        const leaver = freshUserId("leaver");
        await makeMembers(leaver);
        await removeMember(DEMO_ORG_ID, leaver);
        return leaver;
      },
    ],
  ])("to %s: NotAMember, nothing changed, nothing audited", async (_who, arrange) => {
    const ids = await seedMany(freshUserId("keep"), 20);
    const before = await snapshot(ids);
    const since = await auditHighWater();
    const stranger = await arrange();

    const attempt = admin((tx) =>
      runBulk(tx, { action: "reassign", owner: stranger, target: { ids } }),
    );
    await expect(attempt).rejects.toBeInstanceOf(NotAMember);
    await expect(attempt).rejects.toMatchObject({ owner: stranger });
    expect(await snapshot(ids)).toEqual(before);
    expect(await auditCountSince(since, ids)).toBe(0);
  });

  it("to a member: the rows move, and the outcome names them", async () => {
    const to = freshUserId("to");
    await makeMembers(to);
    const ids = await seedMany(freshUserId("from"), 3);
    expect(
      await admin((tx) => runBulk(tx, { action: "reassign", owner: to, target: { ids } })),
    ).toEqual({ changed: 3, ownerName: to, txId: expect.any(Number) });
    const { rows } = await owner.query(
      "select distinct user_id from todos where id = any($1::bigint[])",
      [ids],
    );
    expect(rows).toEqual([{ user_id: to }]);
  });

  it("an error in the middle of the statement rolls back the rows already changed", async () => {
    const from = freshUserId("from");
    const to = freshUserId("to");
    await makeMembers(to);
    const ids = await seedMany(from, 1_000);
    const [toOwnRow] = await seedMany(to, 1);
    const middle = ids[500];
    const before = await snapshot(ids);
    const since = await auditHighWater();

    const trigger = await rowTrigger({ failOn: middle });
    try {
      const attempt = admin((tx) =>
        runBulk(tx, { action: "reassign", owner: to, target: { ids } }),
      );
      await expect(attempt).rejects.toEqual(
        expect.objectContaining({
          cause: expect.objectContaining({ code: "P0001", message: trigger.marker }),
        }),
      );
      // More than one row had been updated when the failing one came up.
      expect(await trigger.seen()).toBeGreaterThan(1);
    } finally {
      await trigger.drop();
    }

    expect(await snapshot(ids)).toEqual(before);
    const { rows } = await owner.query("select count(*)::int as n from todos where user_id = $1", [
      to,
    ]);
    expect(rows[0].n).toBe(1);
    expect(await auditCountSince(since, [...ids, toOwnRow])).toBe(0);
  });
});

describe("BulkTooLarge", () => {
  const bigOwner = freshUserId("big");
  let bigIds: number[];
  let admin: Awaited<ReturnType<typeof as>>;
  beforeAll(async () => {
    bigIds = await seedMany(bigOwner, 50_001, "big");
    admin = await as(freshUserId("admin"), "org:admin");
  });

  /**
   * runBulk also refuses after the statement when it changed too many rows,
   * and that rollback leaves the rows as they were too; only the trigger's
   * count shows the refusal came first.
   */
  async function expectRefusedUntouched(request: BulkRequest, count: number, message?: string) {
    const before = await snapshot(bigIds);
    const since = await auditHighWater();
    const trigger = await rowTrigger();
    try {
      const attempt = admin((tx) => runBulk(tx, request));
      await expect(attempt).rejects.toBeInstanceOf(BulkTooLarge);
      await expect(attempt).rejects.toMatchObject(message ? { count, message } : { count });
      expect(await trigger.seen()).toBe(0);
    } finally {
      await trigger.drop();
    }
    expect(await snapshot(bigIds)).toEqual(before);
    expect(await auditCountSince(since, bigIds)).toBe(0);
  }

  it("50,001 ids are refused with the count before any row is touched", async () => {
    await expectRefusedUntouched(
      { action: "complete", target: { ids: bigIds } },
      50_001,
      "50001 rows exceed the bulk limit of 50000",
    );
  });

  it.each(["complete", "delete"] as const)(
    "a filter matching 50,001 rows is refused for %s with the exact count, before any row is touched",
    async (action) => {
      await expectRefusedUntouched({ action, target: { filter: { owner: bigOwner } } }, 50_001);
    },
  );

  // Last in this block: it changes the rows the others rely on being open.
  it("a filter matching exactly 50,000 rows is allowed", async () => {
    await owner.query("update todos set is_complete = true where id = $1", [bigIds[0]]);
    const result = await admin((tx) =>
      runBulk(tx, { action: "complete", target: { filter: { owner: bigOwner, status: "open" } } }),
    );
    expect(result).toEqual({ changed: 50_000, txId: expect.any(Number) });
  });
});

describe.each([
  { orgRole: "org:member" as const, dbRole: "authenticated_backend" },
  { orgRole: "org:moderator" as const, dbRole: "moderator_backend" },
])("$orgRole calling runBulk directly", ({ orgRole, dbRole }) => {
  let actorId: string;
  let victimId: string;
  let actor: Awaited<ReturnType<typeof as>>;
  beforeAll(async () => {
    actorId = freshUserId("nonadmin");
    victimId = freshUserId("victim");
    await makeMembers(actorId, victimId);
    actor = await as(actorId, orgRole);
  });

  const arrange = async () => ({
    own: await seedMany(actorId, 3, "own"),
    others: await seedMany(victimId, 3, "others"),
  });

  it("complete changes only their own rows", async () => {
    const { own, others } = await arrange();
    const othersBefore = await snapshot(others);
    const since = await auditHighWater();
    expect(
      await actor((tx) =>
        runBulk(tx, { action: "complete", target: { ids: [...own, ...others] } }),
      ),
    ).toEqual({ changed: 3, txId: expect.any(Number) });
    const { rows } = await owner.query(
      "select count(*)::int as n from todos where id = any($1::bigint[]) and is_complete",
      [own],
    );
    expect(rows[0].n).toBe(3);
    expect(await snapshot(others)).toEqual(othersBefore);
    const { rows: entries } = await owner.query(
      "select row_id::int as row_id, actor, db_role from audit.audit_log where id > $1 and todo_id = any($2::bigint[]) order by row_id",
      [since, [...own, ...others]],
    );
    expect(entries).toEqual(own.map((id) => ({ row_id: id, actor: actorId, db_role: dbRole })));
  });

  it("delete removes only their own rows", async () => {
    const { own, others } = await arrange();
    const othersBefore = await snapshot(others);
    expect(
      await actor((tx) => runBulk(tx, { action: "delete", target: { ids: [...own, ...others] } })),
    ).toEqual({ changed: 3, txId: expect.any(Number) });
    expect((await snapshot(own)).n).toBe(0);
    expect(await snapshot(others)).toEqual(othersBefore);
  });

  it("a filter on another owner changes nothing", async () => {
    const { own, others } = await arrange();
    const before = await snapshot([...own, ...others]);
    expect(
      await actor((tx) =>
        runBulk(tx, { action: "complete", target: { filter: { owner: victimId } } }),
      ),
    ).toEqual({ changed: 0, txId: expect.any(Number) });
    expect(await snapshot([...own, ...others])).toEqual(before);
  });

  // Giving their own rows away is what the policy's WITH CHECK refuses (the
  // new owner is a member, so the membership trigger lets it through).
  it("reassigning to another member is refused (42501) and changes nothing", async () => {
    const { own, others } = await arrange();
    const before = await snapshot([...own, ...others]);
    const since = await auditHighWater();
    const attempt = actor((tx) =>
      runBulk(tx, { action: "reassign", owner: victimId, target: { ids: [...own, ...others] } }),
    );
    await expect(attempt).rejects.toEqual(refusedWith("42501"));
    expect(await snapshot([...own, ...others])).toEqual(before);
    expect(await auditCountSince(since, [...own, ...others])).toBe(0);
  });

  it("reassigning to a non-member is refused by the membership trigger (NotAMember) and changes nothing", async () => {
    const { own, others } = await arrange();
    const before = await snapshot([...own, ...others]);
    const attempt = actor((tx) =>
      runBulk(tx, {
        action: "reassign",
        owner: freshUserId("outsider"),
        target: { ids: [...own, ...others] },
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(NotAMember);
    expect(await snapshot([...own, ...others])).toEqual(before);
  });

  it("reassigning others' rows to themselves takes nothing", async () => {
    const { own, others } = await arrange();
    const before = await snapshot([...own, ...others]);
    expect(
      await actor((tx) =>
        runBulk(tx, { action: "reassign", owner: actorId, target: { ids: [...own, ...others] } }),
      ),
    ).toEqual({ changed: 0, ownerName: actorId, txId: expect.any(Number) });
    expect(await snapshot([...own, ...others])).toEqual(before);
  });
});

describe("delete cascades to reviews, and both are audited", () => {
  it.each([
    { orgRole: "org:admin" as const, dbRole: "admin_backend", ownsTodo: false },
    { orgRole: "org:member" as const, dbRole: "authenticated_backend", ownsTodo: true },
  ])("by $orgRole", async ({ orgRole, dbRole, ownsTodo }) => {
    const actorId = freshUserId("deleter");
    const [todoId] = await seedMany(ownsTodo ? actorId : freshUserId("reviewed"), 1, "reviewed");
    const [keptId] = await seedMany(ownsTodo ? actorId : freshUserId("kept"), 1, "kept");
    const reviewer = freshUserId("reviewer");
    const reviewIds = [
      await seedReview(todoId, reviewer, "flagged"),
      await seedReview(todoId, reviewer, "approved"),
    ];
    const keptReview = await seedReview(keptId, reviewer, "approved");
    const { rows: beforeRows } = await owner.query(
      "select to_jsonb(t) as j from todos t where id = $1",
      [todoId],
    );
    const { rows: beforeReviews } = await owner.query(
      "select id::int as id, to_jsonb(r) as j from todo_reviews r where todo_id = $1 order by id",
      [todoId],
    );
    const since = await auditHighWater();

    const actor = await as(actorId, orgRole);
    const txid = await actor(async (tx) => {
      expect(await runBulk(tx, { action: "delete", target: { ids: [todoId] } })).toEqual({
        changed: 1,
        txId: expect.any(Number),
      });
      const { rows } = await tx.execute<{ txid: string }>(sql`select txid_current()::text as txid`);
      return Number(rows[0].txid);
    });

    const { rows: remaining } = await owner.query(
      "select id::int as id from todo_reviews where todo_id = any($1::bigint[]) order by id",
      [[todoId, keptId]],
    );
    expect(remaining).toEqual([{ id: keptReview }]);
    expect((await snapshot([todoId])).n).toBe(0);
    expect((await snapshot([keptId])).n).toBe(1);

    const { rows: entries } = await owner.query(
      "select table_name, row_id::int as row_id, todo_id::int as todo_id, action::text as action, actor, db_role, tx_id::text as tx_id, before, after from audit.audit_log where id > $1 and todo_id = any($2::bigint[]) order by table_name, row_id",
      [since, [todoId, keptId]],
    );
    const common = {
      todo_id: todoId,
      action: "delete",
      actor: actorId,
      db_role: dbRole,
      tx_id: String(txid),
      after: null,
    };
    expect(entries).toEqual([
      ...beforeReviews.map((review) => ({
        ...common,
        table_name: "todo_reviews",
        row_id: review.id,
        before: review.j,
      })),
      { ...common, table_name: "todos", row_id: todoId, before: beforeRows[0].j },
    ]);
    expect(beforeReviews.map((review) => review.id)).toEqual(reviewIds);
  });
});
