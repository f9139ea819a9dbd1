import type { Identity } from "../roles/identity";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../roles/roles";
import { DEMO_ORG_ID } from "./demo-identities";
import { closeDirectoryPool } from "./directory/apply.server";
import { addMembers } from "./testing/directory";
import { freshUserId, ownerPool, identityFor } from "./testing/identities";
import { closeRolePools } from "./pools.server";
import { todos } from "./schema";
import { withIdentity } from "./scoped.server";

const owner = ownerPool();
const created: number[] = [];
const victims: string[] = [];

async function seedTodo(userId: string, task = "seeded") {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) values ($1, $2) returning id",
    [userId, task],
  );
  created.push(Number(rows[0].id));
  return Number(rows[0].id);
}

async function ownerRow(id: number) {
  const { rows } = await owner.query("select user_id, task, is_complete from todos where id = $1", [
    id,
  ]);
  return rows[0] ?? null;
}

afterAll(async () => {
  await owner.query("delete from todos where id = any($1::bigint[])", [created]);
  await owner.query(
    "delete from directory.memberships where organization_id = $1 and user_id = any($2::text[])",
    [DEMO_ORG_ID, victims],
  );
  await owner.query("delete from directory.users where id = any($1::text[])", [victims]);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

type Expect = { own: number; other: number };
const matrix: {
  orgRole: ClerkOrgRole;
  select: Expect;
  update: Expect;
  delete: Expect;
  insertOther: boolean;
}[] = [
  {
    orgRole: "org:member",
    select: { own: 1, other: 0 },
    update: { own: 1, other: 0 },
    delete: { own: 1, other: 0 },
    insertOther: false,
  },
  {
    orgRole: "org:moderator",
    select: { own: 1, other: 1 },
    update: { own: 1, other: 0 },
    delete: { own: 1, other: 0 },
    insertOther: false,
  },
  {
    orgRole: "org:admin",
    select: { own: 1, other: 1 },
    update: { own: 1, other: 1 },
    delete: { own: 1, other: 1 },
    insertOther: true,
  },
];

describe.each(matrix)("todos policies for $orgRole", (row) => {
  let actor: string;
  let identity: Identity;
  let victim: string;
  let ownId: number;
  let otherId: number;

  beforeAll(async () => {
    actor = freshUserId("actor");
    victim = freshUserId("victim");
    // A member of the organization, so it is the policies, not the membership trigger, that decide who may give them a todo.
    victims.push(victim);
    await addMembers(DEMO_ORG_ID, [{ userId: victim }], "Acme");
    identity = identityFor(actor, row.orgRole);
  });

  const fresh = async () => {
    ownId = await seedTodo(actor, "mine");
    otherId = await seedTodo(victim, "theirs");
  };

  it("select: own and other's rows", async () => {
    await fresh();
    const [own, other] = await withIdentity(identity, async (tx) => [
      (await tx.select().from(todos).where(eq(todos.id, ownId))).length,
      (await tx.select().from(todos).where(eq(todos.id, otherId))).length,
    ]);
    expect({ own, other }).toEqual(row.select);
  });

  it("update: own and other's rows", async () => {
    await fresh();
    const counts = await withIdentity(identity, async (tx) => ({
      own: (await tx.update(todos).set({ task: "changed" }).where(eq(todos.id, ownId)).returning())
        .length,
      other: (
        await tx.update(todos).set({ task: "changed" }).where(eq(todos.id, otherId)).returning()
      ).length,
    }));
    expect(counts).toEqual(row.update);
    expect((await ownerRow(otherId)).task).toBe(row.update.other ? "changed" : "theirs");
  });

  it("delete: own and other's rows", async () => {
    await fresh();
    const counts = await withIdentity(identity, async (tx) => ({
      own: (await tx.delete(todos).where(eq(todos.id, ownId)).returning()).length,
      other: (await tx.delete(todos).where(eq(todos.id, otherId)).returning()).length,
    }));
    expect(counts).toEqual(row.delete);
    expect(await ownerRow(otherId)).toEqual(
      row.delete.other ? null : expect.objectContaining({ user_id: victim }),
    );
  });

  it("insert: own row, and one without user_id takes the caller's id", async () => {
    const [explicit, implicit] = await withIdentity(identity, async (tx) => [
      (await tx.insert(todos).values({ userId: actor, task: "explicit" }).returning())[0],
      (await tx.insert(todos).values({ task: "implicit" }).returning())[0],
    ]);
    created.push(explicit.id, implicit.id);
    expect(explicit.userId).toBe(actor);
    expect(implicit.userId).toBe(actor);
  });

  it(`insert for another user is ${row.insertOther ? "allowed" : "rejected by WITH CHECK"}`, async () => {
    const attempt = withIdentity(
      identity,
      async (tx) =>
        (await tx.insert(todos).values({ userId: victim, task: "forged" }).returning())[0],
    );
    if (row.insertOther) {
      const inserted = await attempt;
      created.push(inserted.id);
      expect(inserted.userId).toBe(victim);
    } else {
      await expect(attempt).rejects.toMatchObject({
        cause: expect.objectContaining({ code: "42501" }),
      });
      const { rowCount } = await owner.query(
        "select 1 from todos where user_id = $1 and task = 'forged'",
        [victim],
      );
      expect(rowCount).toBe(0);
    }
  });

  it("cannot move an own row to another user", async () => {
    await fresh();
    const attempt = withIdentity(identity, (tx) =>
      tx.update(todos).set({ userId: victim }).where(eq(todos.id, ownId)).returning(),
    );
    if (row.orgRole === "org:admin") {
      expect(await attempt).toHaveLength(1);
    } else {
      await expect(attempt).rejects.toMatchObject({
        cause: expect.objectContaining({ code: "42501" }),
      });
      expect((await ownerRow(ownId)).user_id).toBe(actor);
    }
  });
});

describe("the same query, different scoped views", () => {
  it("a list with no WHERE returns what each role may see", async () => {
    const alice = freshUserId("alice");
    const bob = freshUserId("bob");
    const ids = [await seedTodo(alice), await seedTodo(alice), await seedTodo(bob)];
    const visible = async (userId: string, orgRole: ClerkOrgRole) =>
      withIdentity(
        identityFor(userId, orgRole),
        async (tx) => (await tx.select().from(todos).where(inArray(todos.id, ids))).length,
      );
    expect(await visible(alice, "org:member")).toBe(2);
    expect(await visible(bob, "org:member")).toBe(1);
    expect(await visible(freshUserId("maya"), "org:moderator")).toBe(3);
    expect(await visible(freshUserId("adam"), "org:admin")).toBe(3);
  });
});
