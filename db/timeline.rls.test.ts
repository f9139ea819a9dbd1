import { eq, not } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../roles/roles";
import { closeDirectoryPool } from "./directory/apply.server";
import { closeRolePools } from "./pools.server";
import { currentTransactionId, revertTransaction } from "./revert.server";
import { todoReviews, todos } from "./schema";
import { withIdentity, type ScopedTx } from "./scoped.server";
import { addMembers, directoryFixtures } from "./testing/directory";
import { identityFor, ownerPool } from "./testing/identities";
import { rawAs } from "./testing/raw-sql";
import { readTodoHistory, type TodoHistory } from "./timeline.server";

/**
 * Who reads which todo's timeline (decision 019), through the function the
 * page calls, and in raw SQL without WHERE: RLS decides, nothing else. Every
 * change below is made by a request role, so the log records who did it.
 */

const owner = ownerPool();
const fixtures = directoryFixtures();
let org: string;
let otherOrg: string;
let admin: string;
let moderator: string;
let member: string;
let otherMember: string;
const outsiders: Record<"admin" | "moderator" | "member", string> = {
  admin: "",
  moderator: "",
  member: "",
};

/** The todos of the story, by what happened to them. */
const ids = { own: 0, others: 0, deletedByMember: 0, deletedByAdmin: 0, reassigned: 0 };
let revertTx: number;
let revertedTx: number;

const as = (userId: string, orgRole: ClerkOrgRole | null, orgId = org) => {
  const identity = identityFor(userId, orgRole, orgId);
  return <T>(run: (tx: ScopedTx) => Promise<T>) => withIdentity(identity, run);
};

const create = async (userId: string, orgRole: ClerkOrgRole, task: string) =>
  (
    await as(userId, orgRole)((tx) => tx.insert(todos).values({ task }).returning({ id: todos.id }))
  )[0].id;

const historyAs = (
  userId: string,
  orgRole: ClerkOrgRole,
  todoId: number,
  orgId = org,
): Promise<TodoHistory | null> => as(userId, orgRole, orgId)((tx) => readTodoHistory(tx, todoId));

/** (table, action, actor) of each entry, newest first: the shape of a timeline. */
const shape = (history: TodoHistory | null) =>
  history?.entries.map((entry) => [entry.tableName, entry.action, entry.actor]);

beforeAll(async () => {
  org = fixtures.org("timeline");
  otherOrg = fixtures.org("timeline_other");
  admin = fixtures.user("tl_admin");
  moderator = fixtures.user("tl_moderator");
  member = fixtures.user("tl_member");
  otherMember = fixtures.user("tl_member2");
  for (const role of ["admin", "moderator", "member"] as const)
    outsiders[role] = fixtures.user(`tl_out_${role}`);
  await addMembers(org, [
    { userId: admin, role: "org:admin", name: "Ada Admin" },
    { userId: moderator, role: "org:moderator", name: "Mo Moderator" },
    { userId: member, name: "Mia Member" },
    { userId: otherMember, name: "Otto Other" },
  ]);
  await addMembers(otherOrg, [
    { userId: outsiders.admin, role: "org:admin" },
    { userId: outsiders.moderator, role: "org:moderator" },
    { userId: outsiders.member },
  ]);

  // The member's own todo: created, edited, completed, reviewed by the moderator; the member undoes the completion.
  ids.own = await create(member, "org:member", "Draft the plan");
  await as(
    member,
    "org:member",
  )((tx) => tx.update(todos).set({ task: "Draft the final plan" }).where(eq(todos.id, ids.own)));
  revertedTx = await as(
    member,
    "org:member",
  )(async (tx) => {
    await tx
      .update(todos)
      .set({ isComplete: not(todos.isComplete) })
      .where(eq(todos.id, ids.own));
    return currentTransactionId(tx);
  });
  await as(
    moderator,
    "org:moderator",
  )((tx) =>
    tx
      .insert(todoReviews)
      .values({ todoId: ids.own, verdict: "flagged", reason: "spam", note: "too vague" }),
  );
  const outcome = await as(member, "org:member")((tx) => revertTransaction(tx, revertedTx));
  expect(outcome).toMatchObject({ status: "reverted" });
  revertTx = (outcome as { txId: number }).txId;

  ids.others = await create(otherMember, "org:member", "Otto's secret");

  ids.deletedByMember = await create(member, "org:member", "Gone by my hand");
  await as(member, "org:member")((tx) => tx.delete(todos).where(eq(todos.id, ids.deletedByMember)));

  ids.deletedByAdmin = await create(otherMember, "org:member", "Gone by the admin's hand");
  await as(admin, "org:admin")((tx) => tx.delete(todos).where(eq(todos.id, ids.deletedByAdmin)));

  ids.reassigned = await create(member, "org:member", "Hand this over");
  await as(
    admin,
    "org:admin",
  )((tx) => tx.update(todos).set({ userId: otherMember }).where(eq(todos.id, ids.reassigned)));
});

afterAll(async () => {
  await fixtures.cleanUp(owner);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

const OWN_TIMELINE = () => [
  ["todos", "update", member], // the revert of the completion
  ["todo_reviews", "insert", moderator],
  ["todos", "update", member], // completed
  ["todos", "update", member], // edited
  ["todos", "insert", member],
];

describe("an admin", () => {
  it("reads every todo's whole timeline in the organization, with names", async () => {
    const own = await historyAs(admin, "org:admin", ids.own);
    expect(own).toMatchObject({
      fate: "visible",
      todo: {
        id: ids.own,
        task: "Draft the final plan",
        ownerName: "Mia Member",
        verdict: "flagged",
        reviewerName: "Mo Moderator",
      },
    });
    expect(shape(own)).toEqual(OWN_TIMELINE());
    expect(own!.entries.map((entry) => entry.actorName)).toEqual([
      "Mia Member",
      "Mo Moderator",
      "Mia Member",
      "Mia Member",
      "Mia Member",
    ]);
    expect(shape(await historyAs(admin, "org:admin", ids.others))).toEqual([
      ["todos", "insert", otherMember],
    ]);
  });

  it("reads a deleted todo's timeline, whoever deleted it, with its last text", async () => {
    for (const [todoId, deleter, task] of [
      [ids.deletedByAdmin, admin, "Gone by the admin's hand"],
      [ids.deletedByMember, member, "Gone by my hand"],
    ] as const) {
      const history = await historyAs(admin, "org:admin", todoId);
      expect(history).toMatchObject({ todo: null, fate: "deleted", lastTask: task });
      expect(shape(history)?.[0]).toEqual(["todos", "delete", deleter]);
    }
  });

  it("sees a reassign with both owners by name", async () => {
    const [reassign] = (await historyAs(admin, "org:admin", ids.reassigned))!.entries;
    expect(reassign).toMatchObject({
      action: "update",
      actor: admin,
      actorName: "Ada Admin",
      dbRole: "admin_backend",
      ownerBeforeName: "Mia Member",
      ownerAfterName: "Otto Other",
    });
    expect(reassign.before).toMatchObject({ user_id: member });
    expect(reassign.after).toMatchObject({ user_id: otherMember });
  });

  it("sees which transaction a revert reverted", async () => {
    const [revert] = (await historyAs(admin, "org:admin", ids.own))!.entries;
    expect(revert).toMatchObject({ txId: revertTx, revertsTxId: revertedTx });
  });
});

describe("a moderator", () => {
  it("reads the timelines of the organization's todos", async () => {
    expect(shape(await historyAs(moderator, "org:moderator", ids.own))).toEqual(OWN_TIMELINE());
    expect(shape(await historyAs(moderator, "org:moderator", ids.others))).toEqual([
      ["todos", "insert", otherMember],
    ]);
  });

  it("reads nothing of a deleted todo they had no hand in", async () => {
    expect(await historyAs(moderator, "org:moderator", ids.deletedByAdmin)).toBeNull();
    expect(await historyAs(moderator, "org:moderator", ids.deletedByMember)).toBeNull();
  });

  it("does not see that someone else's transaction was a revert (audit.transactions shows only their own)", async () => {
    const [revert] = (await historyAs(moderator, "org:moderator", ids.own))!.entries;
    expect(revert).toMatchObject({ txId: revertTx, revertsTxId: null });
  });
});

describe("a member", () => {
  it("reads their own todo's whole timeline, the moderator's review and their own revert included", async () => {
    const history = await historyAs(member, "org:member", ids.own);
    expect(history?.fate).toBe("visible");
    expect(shape(history)).toEqual(OWN_TIMELINE());
    expect(history!.entries[0]).toMatchObject({ revertsTxId: revertedTx });
    expect(history!.entries[1].after).toMatchObject({ verdict: "flagged", note: "too vague" });
  });

  it("reads nothing of another member's todo, not even in raw SQL without WHERE", async () => {
    expect(await historyAs(member, "org:member", ids.others)).toBeNull();
    const { rows } = await rawAs(
      identityFor(member, "org:member", org),
      "select todo_id::int as todo_id from audit.audit_log",
    );
    expect(rows.filter((row) => row.todo_id === ids.others)).toEqual([]);
    const { rows: mine } = await rawAs(
      identityFor(otherMember, "org:member", org),
      "select todo_id::int as todo_id from audit.audit_log",
    );
    expect(mine.filter((row) => row.todo_id === ids.others)).toHaveLength(1);
  });

  it("reads the timeline of a todo they deleted, as deleted", async () => {
    const history = await historyAs(member, "org:member", ids.deletedByMember);
    expect(history).toMatchObject({ todo: null, fate: "deleted", lastTask: "Gone by my hand" });
    expect(shape(history)).toEqual([
      ["todos", "delete", member],
      ["todos", "insert", member],
    ]);
  });

  it("reads only their own doing about a todo given away: the todo is hidden from them", async () => {
    const history = await historyAs(member, "org:member", ids.reassigned);
    expect(history).toMatchObject({ todo: null, fate: "hidden", lastTask: null });
    expect(shape(history)).toEqual([["todos", "insert", member]]);
  });

  it("whose todo was deleted by an admin reads their own doing only, and does not learn of the delete", async () => {
    const history = await historyAs(otherMember, "org:member", ids.deletedByAdmin);
    expect(history).toMatchObject({ todo: null, fate: "hidden" });
    expect(shape(history)).toEqual([["todos", "insert", otherMember]]);
  });

  it("who was given a todo reads its whole timeline, the former owner's doing included", async () => {
    const history = await historyAs(otherMember, "org:member", ids.reassigned);
    expect(history?.fate).toBe("visible");
    expect(shape(history)).toEqual([
      ["todos", "update", admin],
      ["todos", "insert", member],
    ]);
  });
});

describe.each(["admin", "moderator", "member"] as const)(
  "the %s of another organization",
  (role) => {
    const orgRole = `org:${role}` as const;

    it("reads no todo's timeline of this organization", async () => {
      for (const todoId of Object.values(ids))
        expect(await historyAs(outsiders[role], orgRole, todoId, otherOrg)).toBeNull();
    });

    it("reads 0 of its entries and transactions in raw SQL without WHERE", async () => {
      const identity = identityFor(outsiders[role], orgRole, otherOrg);
      const { rows: entries } = await rawAs(
        identity,
        "select todo_id::int as todo_id, tenant_id from audit.audit_log",
      );
      expect(
        entries.filter((row) => row.tenant_id === org || Object.values(ids).includes(row.todo_id)),
      ).toEqual([]);
      const { rows: transactions } = await rawAs(
        identity,
        "select tenant_id from audit.transactions",
      );
      expect(transactions.filter((row) => row.tenant_id === org)).toEqual([]);
    });
  },
);
