import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../roles/roles";
import { listAudit } from "./audit.server";
import { runBulk, type BulkRequest } from "./bulk.server";
import { claimTodo } from "./claims.server";
import { closeDirectoryPool } from "./directory/apply.server";
import { escalateTodo, resolveEscalation } from "./escalations.server";
import { closeRolePools } from "./pools.server";
import { currentTransactionId, revertTransaction, type RevertOutcome } from "./revert.server";
import { recordReview } from "./reviews.server";
import { withIdentity, type ScopedTx } from "./scoped.server";
import { addMembers, directoryFixtures } from "./testing/directory";
import { identityFor, ownerPool } from "./testing/identities";
import { rawAs } from "./testing/raw-sql";

/**
 * Reverting a transaction (warden.revert_transaction): put back exactly
 * what it changed, as one atomic transaction under the caller's policies,
 * or refuse as a whole and change nothing. Every check of "what the table
 * holds" is made by the owner, behind RLS's back.
 */

const owner = ownerPool();
const fixtures = directoryFixtures();
let org: string;
let otherOrg: string;
let admin: string;
let moderator: string;
let member: string;
let otherMember: string;
let otherAdmin: string;

beforeAll(async () => {
  org = fixtures.org("revert");
  otherOrg = fixtures.org("revert_other");
  admin = fixtures.user("rv_admin");
  moderator = fixtures.user("rv_moderator");
  member = fixtures.user("rv_member");
  otherMember = fixtures.user("rv_member2");
  otherAdmin = fixtures.user("rv_other_admin");
  await addMembers(org, [
    { userId: admin, role: "org:admin" },
    { userId: moderator, role: "org:moderator" },
    { userId: member, name: "Mia Member" },
    { userId: otherMember, name: "Otto Other" },
  ]);
  await addMembers(otherOrg, [{ userId: otherAdmin, role: "org:admin" }]);
});

afterAll(async () => {
  await fixtures.cleanUp(owner);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

const as = (userId: string, orgRole: ClerkOrgRole | null, orgId = org) => {
  const identity = identityFor(userId, orgRole, orgId);
  return <T>(run: (tx: ScopedTx) => Promise<T>) => withIdentity(identity, run);
};

/** Runs `run` as the caller and returns the transaction id its changes were written in. */
async function act(
  userId: string,
  orgRole: ClerkOrgRole | null,
  run: (tx: ScopedTx) => Promise<unknown>,
): Promise<number> {
  return as(
    userId,
    orgRole,
  )(async (tx) => {
    await run(tx);
    return currentTransactionId(tx);
  });
}

const revertAs = (
  userId: string,
  orgRole: ClerkOrgRole | null,
  txId: number,
  orgId = org,
): Promise<RevertOutcome> => as(userId, orgRole, orgId)((tx) => revertTransaction(tx, txId));

async function seed(userId: string, n: number, label: string): Promise<number[]> {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (tenant_id, user_id, task) select $1, $2, $3 || ' ' || g from generate_series(1, $4::int) g returning id",
    [org, userId, label, n],
  );
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
}

async function seedReview(todoId: number, reviewerId: string, verdict: "approved" | "flagged") {
  await owner.query(
    "insert into todo_reviews (todo_id, tenant_id, reviewer_id, verdict, reason, note) values ($1, $2, $3, $4, case when $4::review_verdict = 'flagged' then 'spam'::review_reason end, 'seeded')",
    [todoId, org, reviewerId, verdict],
  );
}

/** Every column of the organization's todos and reviews, as the owner sees them: "identical" means identical. */
async function tables() {
  const { rows } = await owner.query<{ todos: string; reviews: string; n: number }>(
    `select (select md5(coalesce(string_agg(to_jsonb(t)::text, ',' order by id), '')) from todos t where tenant_id = $1) as todos,
            (select md5(coalesce(string_agg(to_jsonb(r)::text, ',' order by id), '')) from todo_reviews r where tenant_id = $1) as reviews,
            (select count(*)::int from todos where tenant_id = $1) as n`,
    [org],
  );
  return rows[0];
}

async function auditState() {
  const { rows } = await owner.query<{ entries: number; transactions: number }>(
    `select (select count(*)::int from audit.audit_log where tenant_id = $1) as entries, (select count(*)::int from audit.transactions where tenant_id = $1) as transactions`,
    [org],
  );
  return rows[0];
}

const bulk = (request: BulkRequest) => (tx: ScopedTx) => runBulk(tx, request);

describe("an admin's undo of a bulk action", () => {
  it("puts completed todos back as they were, and the undo is audited as reverting it", async () => {
    const ids = await seed(member, 5, "complete me");
    const before = await tables();
    const txId = await act(admin, "org:admin", bulk({ action: "complete", target: { ids } }));
    expect((await tables()).todos).not.toBe(before.todos);

    const outcome = await revertAs(admin, "org:admin", txId);
    expect(outcome).toEqual({ status: "reverted", txId: expect.any(Number) });
    expect(await tables()).toEqual(before);
    const revertTx = (outcome as { txId: number }).txId;
    const { rows } = await owner.query(
      "select actor, db_role, entries::int, reverts_tx_id::text from audit.transactions where tx_id = $1 and tenant_id = $2",
      [revertTx, org],
    );
    expect(rows).toEqual([
      { actor: admin, db_role: "admin_backend", entries: 5, reverts_tx_id: String(txId) },
    ]);
    const log = await as(admin, "org:admin")((tx) => listAudit(tx, { txId: revertTx }));
    expect(
      log.rows
        .map((entry) => ({ txId: entry.txId, revertsTxId: entry.revertsTxId, rowId: entry.rowId }))
        .sort((a, b) => a.rowId - b.rowId),
    ).toEqual(ids.map((rowId) => ({ txId: revertTx, revertsTxId: txId, rowId })));
  });

  it("gives reassigned todos back to their owner", async () => {
    const ids = await seed(member, 4, "reassign me");
    const before = await tables();
    const txId = await act(
      admin,
      "org:admin",
      bulk({ action: "reassign", target: { ids }, owner: otherMember }),
    );
    const { rows } = await owner.query(
      "select distinct user_id from todos where id = any($1::bigint[])",
      [ids],
    );
    expect(rows).toEqual([{ user_id: otherMember }]);
    expect(await revertAs(admin, "org:admin", txId)).toMatchObject({ status: "reverted" });
    expect(await tables()).toEqual(before);
  });

  it("brings deleted todos back with their ids and the reviews deleted with them", async () => {
    const ids = await seed(member, 3, "delete me");
    await seedReview(ids[0], moderator, "flagged");
    await seedReview(ids[0], admin, "approved");
    const before = await tables();
    const txId = await act(admin, "org:admin", bulk({ action: "delete", target: { ids } }));
    expect((await tables()).n).toBe(before.n - 3);
    expect(await revertAs(admin, "org:admin", txId)).toMatchObject({ status: "reverted" });
    expect(await tables()).toEqual(before);
  });

  it("brings 10,000 deleted todos back: the organization's tables are identical to before, column for column", async () => {
    const ids = await seed(otherMember, 10_000, "ten thousand");
    for (const id of ids.slice(0, 50))
      await seedReview(id, moderator, id % 2 ? "approved" : "flagged");
    await owner.query("analyze todos");
    const before = await tables();
    const txId = await act(
      admin,
      "org:admin",
      bulk({ action: "delete", target: { filter: { owner: otherMember } } }),
    );
    expect((await tables()).n).toBe(before.n - 10_000);
    expect(await revertAs(admin, "org:admin", txId)).toMatchObject({ status: "reverted" });
    expect(await tables()).toEqual(before);
    await owner.query("delete from todos where id = any($1::bigint[])", [ids]);
  });

  it("is itself undone by reverting the revert, and that too by reverting it", async () => {
    const ids = await seed(member, 3, "undo the undo");
    const original = await tables();
    const deleted = await act(admin, "org:admin", bulk({ action: "delete", target: { ids } }));
    const afterDelete = await tables();
    const restore = await revertAs(admin, "org:admin", deleted);
    expect(await tables()).toEqual(original);
    const again = await revertAs(admin, "org:admin", (restore as { txId: number }).txId);
    expect(again).toMatchObject({ status: "reverted" });
    expect(await tables()).toEqual(afterDelete);
    expect(await revertAs(admin, "org:admin", (again as { txId: number }).txId)).toMatchObject({
      status: "reverted",
    });
    expect(await tables()).toEqual(original);
  });
});

describe("conflicts refuse the whole revert and name the rows", () => {
  it("a row changed since is not overwritten, and nothing else is reverted either", async () => {
    const ids = await seed(member, 3, "conflict");
    const txId = await act(admin, "org:admin", bulk({ action: "complete", target: { ids } }));
    await owner.query("update todos set task = 'edited since' where id = $1", [ids[1]]);
    const before = await tables();
    const audit = await auditState();
    expect(await revertAs(admin, "org:admin", txId)).toEqual({
      status: "conflict",
      reason: "changed",
      rows: [{ table: "todos", id: ids[1] }],
    });
    expect(await tables()).toEqual(before);
    expect(await auditState()).toEqual(audit);
  });

  it("a created todo reviewed since is a conflict: reverting would delete the review", async () => {
    let created = 0;
    const createdTx = await act(member, "org:member", async (tx) => {
      const { rows } = await tx.execute<{ id: string }>(
        sql`insert into todos (task) values ('reviewed later') returning id`,
      );
      created = Number(rows[0].id);
    });
    await seedReview(created, moderator, "approved");
    const before = await tables();
    expect(await revertAs(member, "org:member", createdTx)).toEqual({
      status: "conflict",
      reason: "changed",
      rows: [{ table: "todos", id: created }],
    });
    expect(await tables()).toEqual(before);
  });

  it("a deleted todo whose id was taken again is a conflict", async () => {
    const ids = await seed(member, 2, "gone");
    const deleted = await act(member, "org:member", bulk({ action: "delete", target: { ids } }));
    await owner.query(
      "insert into todos (id, tenant_id, user_id, task) values ($1, $2, $3, 'squatter')",
      [ids[0], org, otherMember],
    );
    const before = await tables();
    expect(await revertAs(member, "org:member", deleted)).toEqual({
      status: "conflict",
      reason: "constraint",
    });
    expect(await tables()).toEqual(before);
  });

  it("a transaction already reverted says by which", async () => {
    const ids = await seed(member, 2, "twice");
    const txId = await act(admin, "org:admin", bulk({ action: "complete", target: { ids } }));
    const first = await revertAs(admin, "org:admin", txId);
    expect(await revertAs(admin, "org:admin", txId)).toEqual({
      status: "conflict",
      reason: "reverted",
      by: (first as { txId: number }).txId,
    });
  });
});

describe("a member undoes their own delete", () => {
  it("gets the todo back with its id and the moderator's review they could never write themselves", async () => {
    const [id] = await seed(member, 1, "my own");
    await seedReview(id, moderator, "approved");
    const before = await tables();
    const txId = await act(member, "org:member", (tx) =>
      tx.execute(sql`delete from todos where id = ${id}`),
    );
    expect(await revertAs(member, "org:member", txId)).toMatchObject({ status: "reverted" });
    expect(await tables()).toEqual(before);
  });
});

describe("forbidden reverts are refused by the database and change nothing", () => {
  let txId: number;
  let before: Awaited<ReturnType<typeof tables>>;
  let audit: Awaited<ReturnType<typeof auditState>>;

  beforeAll(async () => {
    const ids = await seed(member, 3, "forbidden");
    txId = await act(admin, "org:admin", bulk({ action: "delete", target: { ids } }));
    before = await tables();
    audit = await auditState();
  });

  it.each([
    ["the member whose todos they were", () => revertAs(member, "org:member", txId)],
    ["a moderator of the organization", () => revertAs(moderator, "org:moderator", txId)],
    ["an admin of another organization", () => revertAs(otherAdmin, "org:admin", txId, otherOrg)],
    [
      "the same admin outside the organization (personal workspace)",
      () => revertAs(admin, null, txId, org),
    ],
    [
      "an admin naming a transaction that never was",
      () => revertAs(admin, "org:admin", 9_000_000_000_000),
    ],
  ])("%s: 404", async (_, attempt) => {
    expect(await attempt()).toEqual({ status: "not-found" });
    expect(await tables()).toEqual(before);
    expect(await auditState()).toEqual(audit);
  });

  it("in raw SQL too, with no RETURNING: the function refuses before any row moves", async () => {
    await expect(
      rawAs(identityFor(member, "org:member", org), "select warden.revert_transaction($1)", [txId]),
    ).rejects.toMatchObject({ code: "WD404" });
    await expect(
      rawAs(
        identityFor(otherAdmin, "org:admin", otherOrg),
        "select warden.revert_transaction($1)",
        [txId],
      ),
    ).rejects.toMatchObject({ code: "WD404" });
    expect(await tables()).toEqual(before);
    expect(await auditState()).toEqual(audit);
  });

  it("an admin demoted to moderator may no longer revert their own bulk action: the policies refuse the writes (403)", async () => {
    const ids = await seed(member, 2, "demoted");
    const done = await act(admin, "org:admin", bulk({ action: "complete", target: { ids } }));
    const state = await tables();
    const log = await auditState();
    expect(await revertAs(admin, "org:moderator", done)).toEqual({
      status: "forbidden",
      reason: "refused",
    });
    expect(await tables()).toEqual(state);
    expect(await auditState()).toEqual(log);
  });

  it("nor the undo of their own bulk delete: deleting others' todos again is refused (403)", async () => {
    const ids = await seed(member, 2, "demoted delete");
    const deleted = await act(admin, "org:admin", bulk({ action: "delete", target: { ids } }));
    const restored = await revertAs(admin, "org:admin", deleted);
    const state = await tables();
    const log = await auditState();
    expect(await revertAs(admin, "org:moderator", (restored as { txId: number }).txId)).toEqual({
      status: "forbidden",
      reason: "refused",
    });
    expect(await tables()).toEqual(state);
    expect(await auditState()).toEqual(log);
  });

  it("a transaction the log no longer holds whole (an entry pruned by the owner) is not reverted in part (403)", async () => {
    const ids = await seed(member, 3, "pruned");
    const done = await act(admin, "org:admin", bulk({ action: "complete", target: { ids } }));
    await owner.query(
      "delete from audit.audit_log where id = (select min(id) from audit.audit_log where tx_id = $1)",
      [done],
    );
    const state = await tables();
    expect(await revertAs(admin, "org:admin", done)).toEqual({
      status: "forbidden",
      reason: "hidden",
    });
    expect(await tables()).toEqual(state);
  });

  it("setup work (no actor) is not revertible from a request (403)", async () => {
    await seed(member, 1, "setup");
    const { rows } = await owner.query<{ tx_id: string }>(
      "select tx_id::text from audit.transactions where tenant_id = $1 and actor is null order by tx_id desc limit 1",
      [org],
    );
    const state = await tables();
    expect(await revertAs(admin, "org:admin", Number(rows[0].tx_id))).toEqual({
      status: "forbidden",
      reason: "setup",
    });
    expect(await tables()).toEqual(state);
  });

  it("a forged 'reverting' setting restores no review onto a todo that is not the deleted one, exactly", async () => {
    const [id] = await seed(member, 1, "forge");
    await seedReview(id, moderator, "flagged");
    const deleted = await act(member, "org:member", (tx) =>
      tx.execute(sql`delete from todos where id = ${id}`),
    );
    // Same id, different text: the row is the member's to insert, but it is not the row the transaction deleted.
    await act(member, "org:member", async (tx) => {
      await tx.execute(sql`select set_config('warden.reverting', ${String(deleted)}, true)`);
      await tx.execute(
        sql`insert into todos (id, tenant_id, user_id, task) values (${id}, ${org}, ${member}, 'something else')`,
      );
    });
    const { rows } = await owner.query(
      "select count(*)::int as n from todo_reviews where todo_id = $1",
      [id],
    );
    expect(rows[0].n).toBe(0);
  });
});

describe("the review queue's claims and escalations", () => {
  /** The organization's claims and escalations, every column, as the owner sees them. */
  async function queueTables() {
    const { rows } = await owner.query<{ claims: string; escalations: string }>(
      `select (select md5(coalesce(string_agg(to_jsonb(c)::text, ',' order by id), '')) from todo_claims c where tenant_id = $1) as claims,
              (select md5(coalesce(string_agg(to_jsonb(e)::text, ',' order by id), '')) from todo_escalations e where tenant_id = $1) as escalations`,
      [org],
    );
    return rows[0];
  }

  it("a transaction that claimed a todo is refused as a whole, and nothing changes", async () => {
    const [id] = await seed(member, 1, "claimed");
    const claimed = await act(moderator, "org:moderator", (tx) =>
      claimTodo(tx, { todoId: id, minutes: 15 }),
    );
    const before = { ...(await tables()), ...(await queueTables()) };
    const log = await auditState();
    for (const [userId, orgRole] of [
      [moderator, "org:moderator"],
      [admin, "org:admin"],
    ] as const) {
      expect(await revertAs(userId, orgRole, claimed)).toEqual({
        status: "conflict",
        reason: "queue",
      });
    }
    expect({ ...(await tables()), ...(await queueTables()) }).toEqual(before);
    expect(await auditState()).toEqual(log);
  });

  it("a verdict that ended its holder's claim is not reverted in part: the review stays, and so does the claim's end", async () => {
    const [id] = await seed(member, 1, "verdict on a claim");
    await act(moderator, "org:moderator", (tx) => claimTodo(tx, { todoId: id, minutes: 15 }));
    const verdict = await act(moderator, "org:moderator", (tx) =>
      recordReview(tx, { todoId: id, verdict: "flagged", reason: "duplicate", note: null }),
    );
    const before = { ...(await tables()), ...(await queueTables()) };
    expect(await revertAs(admin, "org:admin", verdict)).toEqual({
      status: "conflict",
      reason: "queue",
    });
    expect({ ...(await tables()), ...(await queueTables()) }).toEqual(before);
  });

  it("an escalation and its resolution are refused alike", async () => {
    const [id] = await seed(member, 1, "escalated");
    const escalated = await act(moderator, "org:moderator", (tx) =>
      escalateTodo(tx, { todoId: id, reason: "abuse", note: null }),
    );
    const resolved = await act(admin, "org:admin", (tx) => resolveEscalation(tx, id));
    const before = await queueTables();
    expect(await revertAs(admin, "org:admin", escalated)).toEqual({
      status: "conflict",
      reason: "queue",
    });
    expect(await revertAs(admin, "org:admin", resolved)).toEqual({
      status: "conflict",
      reason: "queue",
    });
    expect(await queueTables()).toEqual(before);
  });

  it("deleting a claimed, escalated todo touches neither, so undoing the delete is whole and finds them as they were", async () => {
    const ids = await seed(member, 2, "delete the escalated");
    await act(moderator, "org:moderator", (tx) => claimTodo(tx, { todoId: ids[0], minutes: 15 }));
    await act(moderator, "org:moderator", (tx) =>
      escalateTodo(tx, { todoId: ids[0], reason: "spam", note: "again" }),
    );
    const before = { ...(await tables()), ...(await queueTables()) };
    const deleted = await act(admin, "org:admin", bulk({ action: "delete", target: { ids } }));
    expect(await queueTables()).toEqual({ claims: before.claims, escalations: before.escalations });
    expect(await revertAs(admin, "org:admin", deleted)).toMatchObject({ status: "reverted" });
    expect({ ...(await tables()), ...(await queueTables()) }).toEqual(before);
  });

  it("in raw SQL too: the function refuses with WD409 and the hint the app reads", async () => {
    const [id] = await seed(member, 1, "raw claim");
    const claimed = await act(moderator, "org:moderator", (tx) =>
      claimTodo(tx, { todoId: id, minutes: 15 }),
    );
    await expect(
      rawAs(identityFor(admin, "org:admin", org), "select warden.revert_transaction($1)", [
        claimed,
      ]),
    ).rejects.toMatchObject({ code: "WD409", hint: "queue" });
  });
});
