import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../roles/roles";
import { closeDirectoryPool } from "./directory/apply.server";
import { escalateTodo, openEscalations, resolveEscalation } from "./escalations.server";
import { closeRolePools } from "./pools.server";
import { readReviewQueue } from "./review-queue.server";
import { withIdentityAtOnce, type ScopedTx } from "./scoped.server";
import { addMembers, directoryFixtures } from "./testing/directory";
import { identityFor, ownerPool } from "./testing/identities";
import { rawAs } from "./testing/raw-sql";

/**
 * Escalations (todo_escalations): moderators escalate others' todos with a
 * reason, only admins resolve, in their own name, and every change is
 * audited. Checked by the owner behind RLS's back.
 */

const owner = ownerPool();
const fixtures = directoryFixtures();
let org: string;
let otherOrg: string;
let moderator: string;
let admin: string;
let member: string;
let author: string;
let otherAdmin: string;

beforeAll(async () => {
  org = fixtures.org("escalations");
  otherOrg = fixtures.org("escalations_other");
  moderator = fixtures.user("es_moderator");
  admin = fixtures.user("es_admin");
  member = fixtures.user("es_member");
  author = fixtures.user("es_author");
  otherAdmin = fixtures.user("es_other_admin");
  await addMembers(org, [
    { userId: moderator, name: "Maya", role: "org:moderator" },
    { userId: admin, name: "Adam", role: "org:admin" },
    { userId: member, name: "Mia" },
    { userId: author, name: "Aut" },
  ]);
  await addMembers(otherOrg, [{ userId: otherAdmin, name: "Gina", role: "org:admin" }]);
});

afterAll(async () => {
  await fixtures.cleanUp(owner);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

const as = (userId: string, orgRole: ClerkOrgRole, orgId = org) =>
  identityFor(userId, orgRole, orgId);
const atOnce = <T>(
  userId: string,
  orgRole: ClerkOrgRole,
  run: (tx: ScopedTx) => Promise<T>,
  orgId = org,
) => withIdentityAtOnce(as(userId, orgRole, orgId), run);
const escalate = (todoId: number, userId = moderator) =>
  atOnce(userId, "org:moderator", (tx) =>
    escalateTodo(tx, { todoId, reason: "abuse", note: "see the thread" }),
  );

async function seedTodo(userId = author) {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (tenant_id, user_id, task) values ($1, $2, 'escalate me') returning id",
    [org, userId],
  );
  return Number(rows[0].id);
}

async function escalationsOf(todoId: number) {
  const { rows } = await owner.query(
    "select escalated_by, reason::text as reason, note, resolved_by, resolved_at is not null as resolved from todo_escalations where todo_id = $1 order by id",
    [todoId],
  );
  return rows;
}

async function auditOf(todoId: number) {
  const { rows } = await owner.query(
    "select actor, db_role, action::text as action, (after ->> 'resolved_by') as resolved_by from audit.audit_log where todo_id = $1 and table_name = 'todo_escalations' order by id",
    [todoId],
  );
  return rows;
}

describe("escalating", () => {
  it("a moderator escalates someone else's todo with a reason and a note, audited under the todo", async () => {
    const todo = await seedTodo();
    expect(await escalate(todo)).toEqual({ status: "escalated" });
    expect(await escalationsOf(todo)).toEqual([
      {
        escalated_by: moderator,
        reason: "abuse",
        note: "see the thread",
        resolved_by: null,
        resolved: false,
      },
    ]);
    expect(await auditOf(todo)).toEqual([
      { actor: moderator, db_role: "moderator_backend", action: "insert", resolved_by: null },
    ]);
  });

  it("one open escalation per todo: a second is refused", async () => {
    const todo = await seedTodo();
    await escalate(todo);
    expect(await escalate(todo)).toEqual({ status: "escalated-already" });
    expect(await escalationsOf(todo)).toHaveLength(1);
  });

  it("the caller's own todo, or one they cannot see, is not theirs to escalate", async () => {
    const own = await seedTodo(moderator);
    expect(await escalate(own)).toEqual({ status: "own-todo" });
    const { rows } = await owner.query<{ id: string }>(
      "insert into todos (tenant_id, user_id, task) values ($1, $2, 'elsewhere') returning id",
      [otherOrg, otherAdmin],
    );
    expect(await escalate(Number(rows[0].id))).toEqual({ status: "missing" });
    expect([...(await escalationsOf(own)), ...(await escalationsOf(Number(rows[0].id)))]).toEqual(
      [],
    );
  });

  it.each([
    ["an admin", () => as(admin, "org:admin")],
    ["a member", () => as(member, "org:member")],
  ])("%s may not escalate, in raw SQL either", async (_name, identity) => {
    const todo = await seedTodo();
    await expect(
      rawAs(identity(), "insert into todo_escalations (todo_id, reason) values ($1, 'spam')", [
        todo,
      ]),
    ).rejects.toMatchObject({ code: "42501" });
    expect(await escalationsOf(todo)).toEqual([]);
  });

  it.each([
    [
      "as someone else",
      "insert into todo_escalations (todo_id, reason, escalated_by) values ($1, 'spam', 'user_someone')",
    ],
    [
      "already resolved",
      "insert into todo_escalations (todo_id, reason, resolved_by, resolved_at) values ($1, 'spam', auth.user_id(), now())",
    ],
    [
      "with a reason not on the list",
      "insert into todo_escalations (todo_id, reason) values ($1, 'boring')",
    ],
  ])("a moderator may not escalate %s", async (_name, statement) => {
    const todo = await seedTodo();
    await expect(rawAs(as(moderator, "org:moderator"), statement, [todo])).rejects.toMatchObject({
      code: expect.stringMatching(/^(42501|22P02)$/),
    });
    expect(await escalationsOf(todo)).toEqual([]);
  });
});

describe("resolving", () => {
  it("an admin resolves, in their own name; audited as an update", async () => {
    const todo = await seedTodo();
    await escalate(todo);
    expect(await atOnce(admin, "org:admin", (tx) => resolveEscalation(tx, todo))).toEqual({
      status: "resolved",
    });
    expect(await escalationsOf(todo)).toEqual([
      {
        escalated_by: moderator,
        reason: "abuse",
        note: "see the thread",
        resolved_by: admin,
        resolved: true,
      },
    ]);
    expect(
      (await auditOf(todo)).map((entry) => [entry.actor, entry.action, entry.resolved_by]),
    ).toEqual([
      [moderator, "insert", null],
      [admin, "update", admin],
    ]);
    expect(await atOnce(admin, "org:admin", (tx) => resolveEscalation(tx, todo))).toEqual({
      status: "missing",
    });
    expect(await escalate(todo)).toEqual({ status: "escalated" });
  });

  it("a moderator's resolve is refused: the app's call and an UPDATE without WHERE alike, and nothing changes", async () => {
    const todo = await seedTodo();
    await escalate(todo);
    const before = await escalationsOf(todo);
    await expect(
      atOnce(moderator, "org:moderator", (tx) => resolveEscalation(tx, todo)),
    ).resolves.toEqual({ status: "own-todo" });
    await expect(
      rawAs(
        as(moderator, "org:moderator"),
        "update todo_escalations set resolved_by = auth.user_id(), resolved_at = now()",
      ),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      rawAs(as(moderator, "org:moderator"), "delete from todo_escalations"),
    ).rejects.toMatchObject({ code: "42501" });
    expect(await escalationsOf(todo)).toEqual(before);
  });

  it("an admin may not resolve in someone else's name, rewrite the escalation, delete it, or resolve one about their own todo", async () => {
    const todo = await seedTodo();
    await escalate(todo);
    const own = await seedTodo(admin);
    await owner.query(
      "insert into todo_escalations (todo_id, tenant_id, escalated_by, reason) values ($1, $2, $3, 'spam')",
      [own, org, moderator],
    );
    const adam = as(admin, "org:admin");
    await expect(
      rawAs(
        adam,
        "update todo_escalations set resolved_by = 'user_someone', resolved_at = now() where todo_id = $1",
        [todo],
      ),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      rawAs(adam, "update todo_escalations set note = 'rewritten'"),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(rawAs(adam, "delete from todo_escalations")).rejects.toMatchObject({
      code: "42501",
    });
    expect(await atOnce(admin, "org:admin", (tx) => resolveEscalation(tx, own))).toEqual({
      status: "own-todo",
    });
    expect((await escalationsOf(todo))[0]).toMatchObject({
      note: "see the thread",
      resolved: false,
    });
    expect((await escalationsOf(own))[0]).toMatchObject({ resolved: false });
  });

  it("another organization's admin sees and resolves nothing here", async () => {
    const todo = await seedTodo();
    await escalate(todo);
    const gina = as(otherAdmin, "org:admin", otherOrg);
    expect(
      (
        await rawAs(
          gina,
          "update todo_escalations set resolved_by = auth.user_id(), resolved_at = now()",
        )
      ).rowCount,
    ).toBe(0);
    expect(
      await atOnce(otherAdmin, "org:admin", (tx) => openEscalations(tx, 100), otherOrg),
    ).toEqual([]);
    expect((await escalationsOf(todo))[0]).toMatchObject({ resolved: false });
  });

  it("a member reads no escalations, nor their history", async () => {
    const todo = await seedTodo(member);
    await escalate(todo);
    const mia = as(member, "org:member");
    await expect(rawAs(mia, "select * from todo_escalations")).rejects.toMatchObject({
      code: "42501",
    });
    expect(
      (
        await rawAs(
          mia,
          "select * from audit.audit_log where todo_id = $1 and table_name = 'todo_escalations'",
          [todo],
        )
      ).rowCount,
    ).toBe(0);
    expect(
      (
        await rawAs(
          mia,
          "select * from audit.audit_log where todo_id = $1 and table_name = 'todos'",
          [todo],
        )
      ).rowCount,
    ).toBe(1);
  });
});

describe("the queue", () => {
  it("lists open escalations oldest first, by name, without the caller's own todos", async () => {
    const first = await seedTodo();
    const second = await seedTodo();
    await escalate(first);
    await escalate(second);
    const queue = await atOnce(admin, "org:admin", (tx) => readReviewQueue(tx, 1000));
    const listed = queue.escalations.filter((escalation) =>
      [first, second].includes(escalation.todoId),
    );
    expect(listed).toEqual([
      expect.objectContaining({
        todoId: first,
        by: { id: moderator, name: "Maya" },
        owner: { id: author, name: "Aut" },
        reason: "abuse",
        note: "see the thread",
        claim: null,
      }),
      expect.objectContaining({ todoId: second }),
    ]);
    expect(queue.counts.escalated).toBe(
      Number(
        (
          await owner.query(
            "select count(*) from todo_escalations where tenant_id = $1 and resolved_at is null",
            [org],
          )
        ).rows[0].count,
      ),
    );
    expect(queue.escalations.map((escalation) => escalation.owner.id)).not.toContain(admin);
  });
});
