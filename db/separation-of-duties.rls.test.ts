import { afterAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../roles/roles";
import { closeRolePools } from "./pools.server";
import { rawAs as rawSql } from "./testing/raw-sql";
import { recordReview } from "./reviews.server";
import { withIdentity } from "./scoped.server";
import { freshUserId, identityFor, ownerPool } from "./testing/identities";

/**
 * Nobody records a verdict on their own todo. The policies of todo_reviews
 * refuse it for moderators and admins alike, in every statement shape: the
 * app's insert, raw SQL without RETURNING, INSERT … SELECT over many todos,
 * and an UPDATE with no WHERE that moves reviews onto one's own todo.
 */

const owner = ownerPool();
const createdTodos: number[] = [];

afterAll(async () => {
  await owner.query("delete from todos where id = any($1::bigint[])", [createdTodos]);
  await owner.end();
  await closeRolePools();
});

async function seedTodo(userId: string) {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) values ($1, 'separation of duties') returning id",
    [userId],
  );
  createdTodos.push(Number(rows[0].id));
  return Number(rows[0].id);
}

const reviewsOf = async (todoIds: number[]) =>
  (
    await owner.query(
      "select todo_id::int, reviewer_id, verdict::text from todo_reviews where todo_id = any($1::bigint[]) order by id",
      [todoIds],
    )
  ).rows;

const rawAs = (userId: string, orgRole: ClerkOrgRole, statement: string, params: unknown[] = []) =>
  rawSql(identityFor(userId, orgRole), statement, params).then((result) => result.rowCount);

describe.each(["org:moderator", "org:admin"] as const)("%s", (orgRole) => {
  it("records a verdict on someone else's todo", async () => {
    const reviewer = freshUserId("reviewer");
    const todo = await seedTodo(freshUserId("author"));
    await rawAs(
      reviewer,
      orgRole,
      "insert into todo_reviews (todo_id, verdict) values ($1, 'approved')",
      [todo],
    );
    expect(await reviewsOf([todo])).toEqual([
      { todo_id: todo, reviewer_id: reviewer, verdict: "approved" },
    ]);
  });

  it("cannot record a verdict on their own todo: the app's insert is refused", async () => {
    const reviewer = freshUserId("reviewer");
    const own = await seedTodo(reviewer);
    const identity = identityFor(reviewer, orgRole);
    expect(
      await withIdentity(identity, (tx) =>
        recordReview(tx, { todoId: own, verdict: "approved", reason: null, note: null }),
      ),
    ).toEqual({ status: "own-todo" });
    expect(await reviewsOf([own])).toEqual([]);
  });

  it("cannot, in raw SQL without RETURNING", async () => {
    const reviewer = freshUserId("reviewer");
    const own = await seedTodo(reviewer);
    await expect(
      rawAs(
        reviewer,
        orgRole,
        "insert into todo_reviews (todo_id, verdict) values ($1, 'approved')",
        [own],
      ),
    ).rejects.toMatchObject({ code: "42501" });
    expect(await reviewsOf([own])).toEqual([]);
  });

  it("cannot slip their own todo into an INSERT … SELECT over many", async () => {
    const reviewer = freshUserId("reviewer");
    const own = await seedTodo(reviewer);
    const other = await seedTodo(freshUserId("author"));
    await expect(
      rawAs(
        reviewer,
        orgRole,
        "insert into todo_reviews (todo_id, verdict) select id, 'approved' from todos where id = any($1::bigint[])",
        [[own, other]],
      ),
    ).rejects.toMatchObject({ code: "42501" });
    expect(await reviewsOf([own, other])).toEqual([]);
  });

  it("cannot move a verdict onto their own todo with an UPDATE that has no WHERE", async () => {
    const reviewer = freshUserId("reviewer");
    const own = await seedTodo(reviewer);
    const other = await seedTodo(freshUserId("author"));
    await rawAs(
      reviewer,
      orgRole,
      "insert into todo_reviews (todo_id, verdict, reason) values ($1, 'flagged', 'spam')",
      [other],
    );
    const before = await reviewsOf([own, other]);
    // Without a WHERE the statement reaches every review the role may update; any one landing on their own todo fails the whole statement.
    await expect(
      rawAs(reviewer, orgRole, "update todo_reviews set todo_id = $1", [own]),
    ).rejects.toMatchObject({ code: "42501" });
    expect(await reviewsOf([own, other])).toEqual(before);
  });
});

describe("an admin writing in someone else's name", () => {
  it("may not name the todo's owner as its reviewer", async () => {
    const admin = freshUserId("admin");
    const author = freshUserId("author");
    const todo = await seedTodo(author);
    await expect(
      rawAs(
        admin,
        "org:admin",
        "insert into todo_reviews (todo_id, reviewer_id, verdict) values ($1, $2, 'approved')",
        [todo, author],
      ),
    ).rejects.toMatchObject({
      code: "42501",
    });
    expect(await reviewsOf([todo])).toEqual([]);
  });

  it("may name another reviewer (admins keep that power; the check above can fail)", async () => {
    const admin = freshUserId("admin");
    const todo = await seedTodo(freshUserId("author"));
    const standIn = freshUserId("moderator");
    await rawAs(
      admin,
      "org:admin",
      "insert into todo_reviews (todo_id, reviewer_id, verdict) values ($1, $2, 'approved')",
      [todo, standIn],
    );
    expect(await reviewsOf([todo])).toEqual([
      { todo_id: todo, reviewer_id: standIn, verdict: "approved" },
    ]);
  });
});
