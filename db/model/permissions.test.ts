import { describe, expect, it } from "vitest";
import { TENANT_CASES } from "../../roles/testing/tenant-cases";
import {
  agrees,
  apply,
  callerOf,
  CODES,
  emptyState,
  listPages,
  membershipKey,
  queue,
  visible,
  type BackendRole,
  type Claims,
  type Expected,
  type ModelIdentity,
  type Op,
  type State,
} from "./permissions";

/**
 * The model on its own, no database: the rules it encodes, stated as
 * examples. The fuzzer then holds Postgres to the same model.
 */

const A = "org_acme";
const B = "org_beta";
const as = (label: string, role: BackendRole, claims: Claims): ModelIdentity => ({
  label,
  role,
  claims,
});
const v2 = (sub: string, org?: string, rol?: string) => ({
  sub,
  v: 2,
  ...(org ? { o: { id: org, rol } } : {}),
});

const alice = as("alice, member of A", "authenticated_backend", v2("alice", A, "member"));
const bob = as("bob, member of A", "authenticated_backend", v2("bob", A, "member"));
const maya = as("maya, moderator of A", "moderator_backend", v2("maya", A, "moderator"));
const adam = as("adam, admin of A", "admin_backend", {
  sub: "adam",
  org_id: A,
  org_role: "org:admin",
});
const gina = as("gina, admin of B", "admin_backend", v2("gina", B, "admin"));
const alicePersonal = as("alice, personal", "authenticated_backend", v2("alice"));
const mayaNoOrg = as(
  "maya's moderator connection without an org",
  "moderator_backend",
  v2("maya", undefined, "moderator"),
);
const nobody = as("admin of A without a subject", "admin_backend", v2("", A, "admin"));

/** A: alice 1, bob 2, maya 3, adam 4; B: gina 5; alice's personal workspace: 6. Maya approved alice's todo. */
function fixture(): State {
  const todo = (id: number, tenant: string, owner: string) => ({
    id,
    tenant,
    owner,
    task: `t${id}`,
    done: false,
    insertedAt: id,
  });
  return {
    ...emptyState(),
    todos: [
      todo(1, A, "alice"),
      todo(2, A, "bob"),
      todo(3, A, "maya"),
      todo(4, A, "adam"),
      todo(5, B, "gina"),
      todo(6, "personal:alice", "alice"),
    ],
    reviews: [
      {
        seq: 1,
        todoId: 1,
        tenant: A,
        reviewer: "maya",
        verdict: "approved",
        note: "ok",
        createdAt: 7,
      },
    ],
    people: Object.fromEntries(
      ["alice", "bob", "maya", "adam", "gina"].map((id) => [
        id,
        { name: id.toUpperCase(), deleted: false },
      ]),
    ),
    memberships: [
      ...["alice", "bob", "maya", "adam"].map((id) => membershipKey(A, id)),
      membershipKey(B, "gina"),
    ],
    clock: 7,
    nextReviewSeq: 2,
  };
}

const ids = (rows: { id: number }[]) => rows.map((row) => row.id);
const run = (op: Op, state = fixture()) => apply(state, op);
const error = (...codes: string[]): Expected => ({ ok: false, codes });

describe("claims", () => {
  it.each(TENANT_CASES)(
    "%s: the tenant is read as roles.ts and warden.tenant_id() read it",
    (_name, claims, tenant) => {
      expect(callerOf(as("x", "authenticated_backend", claims)).tenant).toBe(tenant);
    },
  );

  it("takes the role from the connection, not from the claims", () => {
    expect(callerOf(as("x", "admin_backend", v2("alice", A, "member")))).toEqual({
      role: "admin_backend",
      uid: "alice",
      org: A,
      tenant: A,
    });
  });
});

describe("what each identity reads", () => {
  it("members: their own todos in their tenant, and the reviews of those", () => {
    expect(ids(visible(fixture(), alice).todos)).toEqual([1]);
    expect(visible(fixture(), alice).reviews.map((r) => r.todoId)).toEqual([1]);
    expect(ids(visible(fixture(), bob).todos)).toEqual([2]);
    expect(visible(fixture(), bob).reviews).toEqual([]);
    expect(ids(visible(fixture(), alicePersonal).todos)).toEqual([6]);
  });

  it("moderators and admins: their organization's, and nothing without one", () => {
    expect(ids(visible(fixture(), maya).todos)).toEqual([1, 2, 3, 4]);
    expect(ids(visible(fixture(), adam).todos)).toEqual([1, 2, 3, 4]);
    expect(ids(visible(fixture(), gina).todos)).toEqual([5]);
    expect(visible(fixture(), mayaNoOrg)).toEqual({ todos: [], reviews: [] });
  });

  it("lists pages newest first with the latest verdict, names only of people the caller's directory shows", () => {
    const state = {
      ...fixture(),
      memberships: fixture().memberships.filter((key) => key !== membershipKey(A, "maya")),
    };
    const pages = listPages(state, adam, { sort: "newest", limit: 3 });
    expect(pages.map((page) => page.map((row) => (row as { id: number }).id))).toEqual([
      [4, 3, 2],
      [1],
    ]);
    expect(pages[1][0]).toMatchObject({
      userId: "alice",
      ownerName: "ALICE",
      verdict: "approved",
      reviewerId: "maya",
      reviewerName: null,
    });
    expect(
      listPages(state, adam, { sort: "oldest", limit: 10, verdict: "unreviewed" })[0].map(
        (row) => (row as { id: number }).id,
      ),
    ).toEqual([2, 3, 4]);
  });

  it("offers a moderator's queue without their own todos", () => {
    expect(queue(fixture(), maya, 10)).toMatchObject({
      counts: { unreviewed: 3, approved: 1, flagged: 0 },
      unreviewed: [{ id: 2 }, { id: 4 }],
      flagged: [],
    });
  });
});

describe("writing todos", () => {
  it("a member inserts only their own row in their tenant; the owner trigger speaks before RLS", () => {
    const insert = (tenant: string, owner: string) =>
      run({
        kind: "sql.insertTodo",
        who: alice,
        id: 9,
        task: "x",
        tenant: { value: tenant },
        owner: { value: owner },
        returning: false,
      });
    expect(insert(A, "alice").expect).toEqual({ ok: true, value: { rowCount: 1, rows: [] } });
    expect(insert(B, "alice").expect).toEqual(error(CODES.refused));
    expect(insert(A, "bob").expect).toEqual(error(CODES.refused));
    expect(insert(A, "stranger").expect).toEqual(error(CODES.foreignKey));
    expect(insert("personal:bob", "bob").expect).toEqual(error(CODES.refused));
  });

  it("an admin inserts for members of their organization only, and for themselves whether or not the directory lists them", () => {
    const insert = (who: ModelIdentity, owner: string) =>
      run({
        kind: "sql.insertTodo",
        who,
        id: 9,
        task: "x",
        tenant: "default",
        owner: { value: owner },
        returning: true,
      });
    expect(insert(adam, "bob").expect).toMatchObject({ ok: true });
    expect(insert(adam, "gina").expect).toEqual(error(CODES.foreignKey));
    const outsider = as("forged admin of A", "admin_backend", v2("eve", A, "admin"));
    expect(insert(outsider, "eve").expect).toMatchObject({ ok: true });
  });

  it("refuses a duplicate id and a missing subject", () => {
    expect(
      run({
        kind: "sql.insertTodo",
        who: adam,
        id: 2,
        task: "x",
        tenant: "default",
        owner: "default",
        returning: false,
      }).expect,
    ).toEqual(error(CODES.duplicateId));
    expect(run({ kind: "app.create", who: nobody, task: "x" }, fixture()).expect).toEqual(
      error(CODES.notNull),
    );
  });

  it("a member updating with no WHERE changes only their own rows, and may not give them away", () => {
    const retitle = run({
      kind: "sql.updateTodos",
      who: alice,
      set: { task: "mine" },
      where: "all",
      returning: false,
    });
    expect(retitle.expect).toEqual({ ok: true, value: { rowCount: 1, rows: [] } });
    expect(retitle.next.todos.filter((t) => t.task === "mine").map((t) => t.id)).toEqual([1]);
    const giveAway = run({
      kind: "sql.updateTodos",
      who: alice,
      set: { owner: "bob" },
      where: "all",
      returning: false,
    });
    expect(giveAway.expect).toEqual(error(CODES.refused));
    expect(giveAway.next).toEqual(fixture());
  });

  it("an admin reassigns to members only; tenants and ids never change", () => {
    expect(
      run({
        kind: "sql.updateTodos",
        who: adam,
        set: { owner: "bob" },
        where: "all",
        returning: false,
      }).expect,
    ).toEqual({ ok: true, value: { rowCount: 4, rows: [] } });
    expect(
      run({
        kind: "sql.updateTodos",
        who: adam,
        set: { owner: "gina" },
        where: "all",
        returning: false,
      }).expect,
    ).toEqual(error(CODES.foreignKey));
    expect(
      run({
        kind: "sql.updateTodos",
        who: adam,
        set: { tenant: B },
        where: "all",
        returning: false,
      }).expect,
    ).toEqual(error(CODES.immutable));
    expect(
      run({
        kind: "sql.updateTodos",
        who: adam,
        set: { tenant: A },
        where: "all",
        returning: false,
      }).expect,
    ).toMatchObject({ ok: true });
    expect(
      run({
        kind: "sql.updateTodos",
        who: alice,
        set: { idShift: 1 },
        where: "all",
        returning: false,
      }).expect,
    ).toEqual(error(CODES.immutable));
  });

  it("answers every code a failing row could raise when the scan order decides", () => {
    const state = {
      ...fixture(),
      memberships: fixture().memberships.filter((key) => key !== membershipKey(A, "bob")),
    };
    // Bob's own row keeps its owner and passes; everyone else's moves to a non-member.
    expect(run({ kind: "sql.takeOwnerOf", who: adam, source: 2 }, state).expect).toEqual(
      error(CODES.foreignKey),
    );
    const moderator = run(
      { kind: "sql.updateTodos", who: maya, set: { owner: "bob" }, where: "all", returning: false },
      fixture(),
    );
    expect(moderator.expect).toEqual(error(CODES.refused));
  });

  it("a delete takes the todo's reviews with it", () => {
    const gone = run({ kind: "app.delete", who: alice, id: 1 });
    expect(gone.expect).toMatchObject({ ok: true, value: { id: 1 } });
    expect(gone.next.reviews).toEqual([]);
    expect(run({ kind: "app.delete", who: alice, id: 2 }).expect).toEqual({
      ok: true,
      value: null,
    });
  });

  it("a bulk reassign to a stranger is not-a-member, even when no row would move", () => {
    expect(
      run({ kind: "app.reassign", who: adam, target: { ids: [2] }, owner: "gina" }).expect,
    ).toEqual({ ok: true, value: "not-a-member" });
    expect(
      run({ kind: "app.reassign", who: adam, target: { ids: [5] }, owner: "gina" }).expect,
    ).toEqual({ ok: true, value: "not-a-member" });
    expect(
      run({ kind: "app.reassign", who: adam, target: { ids: [2, 3] }, owner: "bob" }).expect,
    ).toEqual({ ok: true, value: { changed: 1, ownerName: "BOB" } });
    expect(
      run({ kind: "app.reassign", who: maya, target: { ids: [3] }, owner: "bob" }).expect,
    ).toEqual(error(CODES.refused));
  });
});

describe("reviews", () => {
  const review = (who: ModelIdentity, todoId: number) =>
    run({ kind: "app.review", who, todoId, verdict: "flagged", note: "n" }).expect;

  it("separation of duties: never on one's own todo, never naming the owner as reviewer", () => {
    expect(review(maya, 2)).toEqual({ ok: true, value: "recorded" });
    expect(review(maya, 3)).toEqual({ ok: true, value: "own-todo" });
    expect(review(adam, 4)).toEqual({ ok: true, value: "own-todo" });
    expect(review(alice, 2)).toEqual({ ok: true, value: "own-todo" });
    const namingOwner = run({
      kind: "sql.insertReview",
      who: adam,
      todoId: 2,
      verdict: "approved",
      note: "n",
      tenant: "default",
      reviewer: { value: "bob" },
    });
    expect(namingOwner.expect).toEqual(error(CODES.refused));
  });

  it("a review of another tenant's todo fails the composite key, or the policy when the tenant is forged", () => {
    expect(review(maya, 5)).toEqual({ ok: true, value: "missing" });
    const forged = run({
      kind: "sql.insertReview",
      who: maya,
      todoId: 5,
      verdict: "approved",
      note: "n",
      tenant: { value: B },
      reviewer: "default",
    });
    expect(forged.expect).toEqual(error(CODES.refused));
  });

  it("INSERT … SELECT over everything a moderator sees fails as a whole on their own todo", () => {
    const all = run({
      kind: "sql.reviewAll",
      who: maya,
      verdict: "approved",
      note: "n",
      reviewer: "default",
    });
    expect(all.expect).toEqual(error(CODES.refused));
    expect(all.next).toEqual(fixture());
  });

  it("a moderator moves and deletes only their own verdicts, never onto their own todo", () => {
    expect(run({ kind: "sql.moveReviewsTo", who: maya, todoId: 2 }).expect).toEqual({
      ok: true,
      value: { rowCount: 1 },
    });
    expect(run({ kind: "sql.moveReviewsTo", who: maya, todoId: 3 }).expect).toEqual(
      error(CODES.refused),
    );
    expect(run({ kind: "sql.deleteReviews", who: adam }).expect).toEqual({
      ok: true,
      value: { rowCount: 1 },
    });
    expect(run({ kind: "sql.deleteReviews", who: alice }).expect).toEqual({
      ok: true,
      value: { rowCount: 0 },
    });
    expect(run({ kind: "sql.updateReviews", who: adam, set: { tenant: B } }).expect).toEqual(
      error(CODES.immutable),
    );
  });
});

describe("the deliberately wrong variants", () => {
  it("members-insert-anywhere lets a member write another tenant's row, though RETURNING still refuses it", () => {
    const insert = (returning: boolean) =>
      apply(
        fixture(),
        {
          kind: "sql.insertTodo",
          who: alice,
          id: 9,
          task: "x",
          tenant: { value: B },
          owner: { value: "gina" },
          returning,
        },
        { variant: "members-insert-anywhere" },
      );
    expect(insert(false).expect).toMatchObject({ ok: true });
    expect(insert(true).expect).toEqual(error(CODES.refused));
  });

  it("no-separation-of-duties lets a moderator review their own todo", () => {
    expect(
      apply(
        fixture(),
        { kind: "app.review", who: maya, todoId: 3, verdict: "approved", note: "n" },
        { variant: "no-separation-of-duties" },
      ).expect,
    ).toEqual({
      ok: true,
      value: "recorded",
    });
  });
});

describe("comparing answers", () => {
  it("a refusal agrees with any of its codes; values agree whatever their key order", () => {
    expect(
      agrees(error(CODES.refused, CODES.foreignKey), { ok: false, code: CODES.foreignKey }),
    ).toBe(true);
    expect(agrees(error(CODES.refused), { ok: true, value: null })).toBe(false);
    expect(
      agrees({ ok: true, value: { a: 1, b: [2] } }, { ok: true, value: { b: [2], a: 1 } }),
    ).toBe(true);
  });
});
