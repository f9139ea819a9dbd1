import { eq, inArray } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../roles/roles";
import { REVIEW_REASONS } from "./limits";
import { freshUserId, ownerPool, identityFor } from "./testing/identities";
import { rawAs as rawSql } from "./testing/raw-sql";
import { closeRolePools, rolePool } from "./pools.server";
import { todoReviews, todos } from "./schema";
import { withIdentity, type ScopedTx } from "./scoped.server";
import { listTodoPage } from "./todo-list.server";

const owner = ownerPool();
// Reviews cascade with their todo, so removing the todos removes everything this file made.
const createdTodos: number[] = [];

afterAll(async () => {
  await owner.query("delete from todos where id = any($1::bigint[])", [createdTodos]);
  await owner.end();
  await closeRolePools();
});

type ReviewRow = {
  id: number;
  todo_id: number;
  reviewer_id: string;
  verdict: string;
  note: string | null;
};

async function seedTodo(userId: string, task = "reviewed todo", insertedAt?: string) {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task, inserted_at) values ($1, $2, coalesce($3::timestamptz, now())) returning id",
    [userId, task, insertedAt ?? null],
  );
  createdTodos.push(Number(rows[0].id));
  return Number(rows[0].id);
}

async function seedReview(
  todoId: number,
  reviewerId: string,
  verdict: "approved" | "flagged" = "approved",
  options: { note?: string; createdAt?: string } = {},
) {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todo_reviews (todo_id, reviewer_id, verdict, reason, note, created_at) values ($1, $2, $3, case when $3::review_verdict = 'flagged' then 'spam'::review_reason end, $4, coalesce($5::timestamptz, now())) returning id",
    [todoId, reviewerId, verdict, options.note ?? null, options.createdAt ?? null],
  );
  return Number(rows[0].id);
}

async function ownerReview(id: number): Promise<ReviewRow | null> {
  const { rows } = await owner.query(
    "select id::int as id, todo_id::int as todo_id, reviewer_id, verdict::text as verdict, note from todo_reviews where id = $1",
    [id],
  );
  return (rows[0] as ReviewRow | undefined) ?? null;
}

async function ownerReviewsOf(todoId: number): Promise<ReviewRow[]> {
  const { rows } = await owner.query(
    "select id::int as id, todo_id::int as todo_id, reviewer_id, verdict::text as verdict, note from todo_reviews where todo_id = $1 order by id",
    [todoId],
  );
  return rows as ReviewRow[];
}

const as = async (userId: string, orgRole: ClerkOrgRole) => {
  const identity = identityFor(userId, orgRole);
  return <T>(run: (tx: ScopedTx) => Promise<T>) => withIdentity(identity, run);
};

const refusedWith = (code: string) => ({ cause: expect.objectContaining({ code }) });

describe("moderator", () => {
  it("inserts a review as themselves: reviewer_id defaults to their id", async () => {
    const maya = freshUserId("maya");
    const todoId = await seedTodo(freshUserId("author"));
    const inserted = await (
      await as(maya, "org:moderator")
    )(
      async (tx) =>
        (
          await tx
            .insert(todoReviews)
            .values({ todoId, verdict: "flagged", reason: "spam", note: "spam" })
            .returning()
        )[0],
    );
    expect(inserted.reviewerId).toBe(maya);
    expect(await ownerReviewsOf(todoId)).toEqual([
      { id: inserted.id, todo_id: todoId, reviewer_id: maya, verdict: "flagged", note: "spam" },
    ]);
  });

  it("cannot insert a review in someone else's name: WITH CHECK refuses it and nothing is stored", async () => {
    const maya = freshUserId("maya");
    const other = freshUserId("othermod");
    const todoId = await seedTodo(freshUserId("author"));
    const attempt = (await as(maya, "org:moderator"))((tx) =>
      tx.insert(todoReviews).values({ todoId, reviewerId: other, verdict: "approved" }).returning(),
    );
    await expect(attempt).rejects.toMatchObject({
      cause: expect.objectContaining({
        code: "42501",
        message: expect.stringContaining('row-level security policy for table "todo_reviews"'),
      }),
    });
    expect(await ownerReviewsOf(todoId)).toEqual([]);
  });

  it("reads every review: their own and other moderators'", async () => {
    const maya = freshUserId("maya");
    const todoId = await seedTodo(freshUserId("author"));
    const ids = [
      await seedReview(todoId, maya),
      await seedReview(todoId, freshUserId("othermod"), "flagged"),
    ];
    const seen = await (
      await as(maya, "org:moderator")
    )((tx) => tx.select().from(todoReviews).where(inArray(todoReviews.id, ids)));
    expect(seen.map((row) => row.id).sort((a, b) => a - b)).toEqual(ids);
  });

  it("updates and deletes their own review (1 row each)", async () => {
    const maya = freshUserId("maya");
    const todoId = await seedTodo(freshUserId("author"));
    const toUpdate = await seedReview(todoId, maya, "approved");
    const toDelete = await seedReview(todoId, maya, "approved");
    const counts = await (
      await as(maya, "org:moderator")
    )(async (tx) => ({
      updated: (
        await tx
          .update(todoReviews)
          .set({ verdict: "flagged", reason: "off-topic", note: "changed my mind" })
          .where(eq(todoReviews.id, toUpdate))
          .returning()
      ).length,
      deleted: (await tx.delete(todoReviews).where(eq(todoReviews.id, toDelete)).returning())
        .length,
    }));
    expect(counts).toEqual({ updated: 1, deleted: 1 });
    expect(await ownerReview(toUpdate)).toMatchObject({
      reviewer_id: maya,
      verdict: "flagged",
      note: "changed my mind",
    });
    expect(await ownerReview(toDelete)).toBeNull();
  });

  it("cannot update or delete another moderator's review (0 rows, unchanged)", async () => {
    const maya = freshUserId("maya");
    const other = freshUserId("othermod");
    const todoId = await seedTodo(freshUserId("author"));
    const theirs = await seedReview(todoId, other, "approved", { note: "fine" });
    const before = await ownerReview(theirs);
    const counts = await (
      await as(maya, "org:moderator")
    )(async (tx) => ({
      updated: (
        await tx
          .update(todoReviews)
          .set({ verdict: "flagged", reason: "spam" })
          .where(eq(todoReviews.id, theirs))
          .returning()
      ).length,
      deleted: (await tx.delete(todoReviews).where(eq(todoReviews.id, theirs)).returning()).length,
    }));
    expect(counts).toEqual({ updated: 0, deleted: 0 });
    expect(before).toMatchObject({ reviewer_id: other, verdict: "approved", note: "fine" });
    expect(await ownerReview(theirs)).toEqual(before);
  });

  it("cannot take over their own review by renaming the reviewer", async () => {
    const maya = freshUserId("maya");
    const other = freshUserId("othermod");
    const mine = await seedReview(await seedTodo(freshUserId("author")), maya);
    const attempt = (await as(maya, "org:moderator"))((tx) =>
      tx.update(todoReviews).set({ reviewerId: other }).where(eq(todoReviews.id, mine)).returning(),
    );
    await expect(attempt).rejects.toMatchObject(refusedWith("42501"));
    expect((await ownerReview(mine))?.reviewer_id).toBe(maya);
  });
});

describe("member", () => {
  it("reads the reviews of their own todos only, even when asking for another's by id", async () => {
    const alice = freshUserId("alice");
    const mine = await seedReview(await seedTodo(alice), freshUserId("mod"), "flagged");
    const theirs = await seedReview(
      await seedTodo(freshUserId("bob")),
      freshUserId("mod"),
      "flagged",
    );
    const seen = await (
      await as(alice, "org:member")
    )(async (tx) => ({
      mine: (await tx.select().from(todoReviews).where(eq(todoReviews.id, mine))).map(
        (row) => row.id,
      ),
      theirs: (await tx.select().from(todoReviews).where(eq(todoReviews.id, theirs))).length,
      all: (
        await tx
          .select()
          .from(todoReviews)
          .where(inArray(todoReviews.id, [mine, theirs]))
      ).map((row) => row.id),
    }));
    expect(seen).toEqual({ mine: [mine], theirs: 0, all: [mine] });
    // The hidden row does exist: its absence above is the policy, not a missing row.
    expect(await ownerReview(theirs)).not.toBeNull();
  });

  it("cannot insert any review, not even as themselves on their own todo", async () => {
    const alice = freshUserId("alice");
    const todoId = await seedTodo(alice);
    const run = await as(alice, "org:member");
    await expect(
      run((tx) => tx.insert(todoReviews).values({ todoId, verdict: "approved" }).returning()),
    ).rejects.toMatchObject(refusedWith("42501"));
    await expect(
      run((tx) =>
        tx
          .insert(todoReviews)
          .values({ todoId, reviewerId: alice, verdict: "approved" })
          .returning(),
      ),
    ).rejects.toMatchObject(refusedWith("42501"));
    expect(await ownerReviewsOf(todoId)).toEqual([]);
  });

  it("cannot update or delete any review, including one on their own todo (0 rows)", async () => {
    const alice = freshUserId("alice");
    const onMine = await seedReview(await seedTodo(alice), freshUserId("mod"), "flagged", {
      note: "keep",
    });
    const onTheirs = await seedReview(
      await seedTodo(freshUserId("bob")),
      freshUserId("mod"),
      "flagged",
      { note: "keep" },
    );
    const before = [await ownerReview(onMine), await ownerReview(onTheirs)];
    const counts = await (
      await as(alice, "org:member")
    )(async (tx) => ({
      updated: (
        await tx
          .update(todoReviews)
          .set({ verdict: "approved", note: null })
          .where(inArray(todoReviews.id, [onMine, onTheirs]))
          .returning()
      ).length,
      deleted: (
        await tx
          .delete(todoReviews)
          .where(inArray(todoReviews.id, [onMine, onTheirs]))
          .returning()
      ).length,
    }));
    expect(counts).toEqual({ updated: 0, deleted: 0 });
    expect(before[0]).toMatchObject({ verdict: "flagged", note: "keep" });
    expect([await ownerReview(onMine), await ownerReview(onTheirs)]).toEqual(before);
  });
});

describe("admin", () => {
  it("reads every review", async () => {
    const adam = freshUserId("adam");
    const ids = [
      await seedReview(await seedTodo(freshUserId("author")), freshUserId("mod")),
      await seedReview(await seedTodo(freshUserId("author")), freshUserId("mod"), "flagged"),
    ];
    const seen = await (
      await as(adam, "org:admin")
    )((tx) => tx.select().from(todoReviews).where(inArray(todoReviews.id, ids)));
    expect(seen.map((row) => row.id).sort((a, b) => a - b)).toEqual(ids);
  });

  it("inserts reviews as themselves and in any reviewer's name", async () => {
    const adam = freshUserId("adam");
    const other = freshUserId("mod");
    const todoId = await seedTodo(freshUserId("author"));
    const [own, forOther] = await (
      await as(adam, "org:admin")
    )(async (tx) => [
      (await tx.insert(todoReviews).values({ todoId, verdict: "approved" }).returning())[0],
      (
        await tx
          .insert(todoReviews)
          .values({ todoId, reviewerId: other, verdict: "flagged", reason: "other" })
          .returning()
      )[0],
    ]);
    expect((await ownerReviewsOf(todoId)).map((row) => [row.id, row.reviewer_id])).toEqual([
      [own.id, adam],
      [forOther.id, other],
    ]);
  });

  it("updates and deletes anyone's review (1 row each)", async () => {
    const adam = freshUserId("adam");
    const todoId = await seedTodo(freshUserId("author"));
    const toUpdate = await seedReview(todoId, freshUserId("mod"), "approved");
    const toDelete = await seedReview(todoId, freshUserId("mod"), "approved");
    const counts = await (
      await as(adam, "org:admin")
    )(async (tx) => ({
      updated: (
        await tx
          .update(todoReviews)
          .set({ verdict: "flagged", reason: "spam" })
          .where(eq(todoReviews.id, toUpdate))
          .returning()
      ).length,
      deleted: (await tx.delete(todoReviews).where(eq(todoReviews.id, toDelete)).returning())
        .length,
    }));
    expect(counts).toEqual({ updated: 1, deleted: 1 });
    expect((await ownerReview(toUpdate))?.verdict).toBe("flagged");
    expect(await ownerReview(toDelete)).toBeNull();
  });
});

describe("a connection without claims", () => {
  // These go straight to the role pools, skipping withIdentity, so no claims
  // are set: the state a bug that bypasses withIdentity would run in.
  const reviewIdsSeenBy = async (
    role: "authenticated_backend" | "moderator_backend" | "admin_backend",
    ids: number[],
  ) => {
    const { rows } = await rolePool(role).pool.query<{ id: string }>(
      "select id from todo_reviews where id = any($1::bigint[]) order by id",
      [ids],
    );
    return rows.map((row) => Number(row.id));
  };

  it("as authenticated_backend reads no reviews", async () => {
    const author = freshUserId("author");
    const ids = [
      await seedReview(await seedTodo(author), freshUserId("mod")),
      await seedReview(await seedTodo(author), freshUserId("mod")),
    ];
    expect(await reviewIdsSeenBy("authenticated_backend", ids)).toEqual([]);
  });

  it("as moderator_backend reads no reviews either: its policies need an active organization", async () => {
    const ids = [
      await seedReview(await seedTodo(freshUserId("author")), freshUserId("mod")),
      await seedReview(await seedTodo(freshUserId("author")), freshUserId("mod")),
    ];
    expect(await reviewIdsSeenBy("moderator_backend", ids)).toEqual([]);
    expect(await reviewIdsSeenBy("admin_backend", ids)).toEqual([]);
  });

  it("as moderator_backend cannot insert: the default reviewer is NULL, which the policy refuses before NOT NULL is checked", async () => {
    const todoId = await seedTodo(freshUserId("author"));
    await expect(
      rolePool("moderator_backend").pool.query(
        "insert into todo_reviews (todo_id, verdict) values ($1, 'approved')",
        [todoId],
      ),
    ).rejects.toMatchObject({
      code: "42501",
    });
    expect(await ownerReviewsOf(todoId)).toEqual([]);
  });

  it("as admin_backend cannot insert either: without claims there is no organization to write into", async () => {
    const todoId = await seedTodo(freshUserId("author"));
    await expect(
      rolePool("admin_backend").pool.query(
        "insert into todo_reviews (todo_id, verdict) values ($1, 'approved')",
        [todoId],
      ),
    ).rejects.toMatchObject({
      code: "42501",
    });
    expect(await ownerReviewsOf(todoId)).toEqual([]);
  });
});

describe("note length", () => {
  it("a 1001-character note is refused by the check constraint; 1000 is stored", async () => {
    const maya = freshUserId("maya");
    const todoId = await seedTodo(freshUserId("author"));
    const run = await as(maya, "org:moderator");
    await expect(
      run((tx) =>
        tx
          .insert(todoReviews)
          .values({ todoId, verdict: "flagged", reason: "spam", note: "n".repeat(1001) })
          .returning(),
      ),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ code: "23514", constraint: "todo_reviews_note_length" }),
    });
    expect(await ownerReviewsOf(todoId)).toEqual([]);
    const stored = await run(
      async (tx) =>
        (
          await tx
            .insert(todoReviews)
            .values({ todoId, verdict: "flagged", reason: "spam", note: "n".repeat(1000) })
            .returning()
        )[0],
    );
    expect((await ownerReview(stored.id))?.note).toHaveLength(1000);
  });

  it("the limit counts characters, not bytes", async () => {
    const todoId = await seedTodo(freshUserId("author"));
    const note = "é".repeat(1000);
    const stored = await (
      await as(freshUserId("maya"), "org:moderator")
    )(
      async (tx) =>
        (
          await tx
            .insert(todoReviews)
            .values({ todoId, verdict: "flagged", reason: "spam", note })
            .returning()
        )[0],
    );
    expect((await ownerReview(stored.id))?.note).toBe(note);
  });
});

describe("reasons", () => {
  const rawInsert = (userId: string, values: string, params: unknown[]) =>
    rawSql(
      identityFor(userId, "org:moderator"),
      `insert into todo_reviews (todo_id, verdict, reason) values ${values}`,
      params,
    );

  it.each(REVIEW_REASONS)("a flag as %s is stored with its reason", async (reason) => {
    const todoId = await seedTodo(freshUserId("author"));
    await rawInsert(freshUserId("maya"), "($1, 'flagged', $2)", [todoId, reason]);
    expect(
      (await owner.query("select reason::text from todo_reviews where todo_id = $1", [todoId]))
        .rows,
    ).toEqual([{ reason }]);
  });

  it.each([
    ["a flag without a reason", "($1, 'flagged', null)", "23514"],
    ["an approval with a reason", "($1, 'approved', 'spam')", "23514"],
    ["a reason not on the list", "($1, 'flagged', 'boring')", "22P02"],
  ])(
    "%s is refused by the database, without RETURNING, and nothing is stored",
    async (_name, values, code) => {
      const todoId = await seedTodo(freshUserId("author"));
      await expect(rawInsert(freshUserId("maya"), values, [todoId])).rejects.toMatchObject({
        code,
      });
      expect(await ownerReviewsOf(todoId)).toEqual([]);
    },
  );

  it("one reasonless flag among many fails the whole INSERT … SELECT", async () => {
    const ids = [await seedTodo(freshUserId("author")), await seedTodo(freshUserId("author"))];
    await expect(
      rawSql(
        identityFor(freshUserId("maya"), "org:moderator"),
        "insert into todo_reviews (todo_id, verdict, reason) select id, 'flagged', case when id = $2 then null else 'spam'::review_reason end from todos where id = any($1::bigint[])",
        [ids, ids[1]],
      ),
    ).rejects.toMatchObject({ code: "23514" });
    expect([...(await ownerReviewsOf(ids[0])), ...(await ownerReviewsOf(ids[1]))]).toEqual([]);
  });

  it("turning an approval into a flag needs a reason too", async () => {
    const maya = freshUserId("maya");
    const todoId = await seedTodo(freshUserId("author"));
    const id = await seedReview(todoId, maya, "approved");
    await expect(
      rawSql(
        identityFor(maya, "org:moderator"),
        "update todo_reviews set verdict = 'flagged' where id = $1",
        [id],
      ),
    ).rejects.toMatchObject({ code: "23514" });
    expect((await ownerReview(id))?.verdict).toBe("approved");
  });

  it("a flag written before reasons existed stays valid without one, also when it is written back as it was", async () => {
    const todoId = await seedTodo(freshUserId("author"));
    const { rows } = await owner.query<{ id: string }>(
      "insert into todo_reviews (todo_id, reviewer_id, verdict, created_at) values ($1, 'user_old_mod', 'flagged', '2020-01-01') returning id",
      [todoId],
    );
    await owner.query("update todo_reviews set note = 'still fine' where id = $1", [rows[0].id]);
    expect(await ownerReview(Number(rows[0].id))).toMatchObject({
      verdict: "flagged",
      note: "still fine",
    });
  });
});

describe("cascade", () => {
  it("the todo's owner deleting it removes its reviews, whoever wrote them", async () => {
    const alice = freshUserId("alice");
    const todoId = await seedTodo(alice);
    const keptTodo = await seedTodo(alice);
    await seedReview(todoId, freshUserId("mod"), "flagged");
    await seedReview(todoId, freshUserId("mod"), "approved");
    const kept = await seedReview(keptTodo, freshUserId("mod"));
    expect(await ownerReviewsOf(todoId)).toHaveLength(2);

    const deleted = await (
      await as(alice, "org:member")
    )((tx) => tx.delete(todos).where(eq(todos.id, todoId)).returning());
    expect(deleted).toHaveLength(1);
    expect(await ownerReviewsOf(todoId)).toEqual([]);
    expect(await ownerReview(kept)).not.toBeNull();
  });
});

describe("latest verdict", () => {
  it("the list shows each todo's latest review, and the verdict filter follows it", async () => {
    const author = freshUserId("author");
    const flaggedThenApproved = await seedTodo(
      author,
      "flagged then approved",
      "2001-01-01 00:00:03+00",
    );
    const approvedThenFlagged = await seedTodo(
      author,
      "approved then flagged",
      "2001-01-01 00:00:02+00",
    );
    const unreviewed = await seedTodo(author, "never reviewed", "2001-01-01 00:00:01+00");
    const tie = await seedTodo(
      author,
      "two reviews in the same microsecond",
      "2001-01-01 00:00:00+00",
    );
    // Inserted newest first, so the newest review has the smaller id: id order must not decide.
    await seedReview(flaggedThenApproved, freshUserId("mod"), "approved", {
      note: "fixed now",
      createdAt: "2002-01-02 00:00:00+00",
    });
    await seedReview(flaggedThenApproved, freshUserId("mod"), "flagged", {
      note: "spam",
      createdAt: "2002-01-01 00:00:00+00",
    });
    await seedReview(approvedThenFlagged, freshUserId("mod"), "flagged", {
      note: "now spam",
      createdAt: "2002-01-02 00:00:00.000001+00",
    });
    await seedReview(approvedThenFlagged, freshUserId("mod"), "approved", {
      createdAt: "2002-01-02 00:00:00+00",
    });
    // Equal times: the later insert (larger id) counts as the latest.
    await seedReview(tie, freshUserId("mod"), "approved", { createdAt: "2002-01-03 00:00:00+00" });
    await seedReview(tie, freshUserId("mod"), "flagged", {
      note: "second",
      createdAt: "2002-01-03 00:00:00+00",
    });

    const verdicts = async (
      orgRole: ClerkOrgRole,
      userId: string,
      verdict?: "unreviewed" | "approved" | "flagged",
    ) =>
      (await as(userId, orgRole))(async (tx) =>
        (await listTodoPage(tx, { sort: "newest", owner: author, verdict, limit: 50 })).rows.map(
          (row) => [row.id, row.verdict, row.verdictNote],
        ),
      );

    const moderator = freshUserId("maya");
    expect(await verdicts("org:moderator", moderator)).toEqual([
      [flaggedThenApproved, "approved", "fixed now"],
      [approvedThenFlagged, "flagged", "now spam"],
      [unreviewed, null, null],
      [tie, "flagged", "second"],
    ]);
    expect(await verdicts("org:moderator", moderator, "approved")).toEqual([
      [flaggedThenApproved, "approved", "fixed now"],
    ]);
    expect(await verdicts("org:moderator", moderator, "flagged")).toEqual([
      [approvedThenFlagged, "flagged", "now spam"],
      [tie, "flagged", "second"],
    ]);
    expect(await verdicts("org:moderator", moderator, "unreviewed")).toEqual([
      [unreviewed, null, null],
    ]);

    // The author reads the reviews of their own todos, so sees the same verdicts.
    expect(await verdicts("org:member", author)).toEqual(
      await verdicts("org:moderator", moderator),
    );
  });
});
