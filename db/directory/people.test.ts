import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClerkOrgRole } from "../../roles/roles";
import { listAudit } from "../audit.server";
import { previewBulk, runBulk, NotAMember } from "../bulk.server";
import { closeRolePools } from "../pools.server";
import { flaggedTodos, unreviewedTodos } from "../reviews.server";
import { withIdentity, type ScopedTx } from "../scoped.server";
import {
  addMembers,
  deleteUser,
  directoryFixtures,
  nextVersion,
  removeMember,
} from "../testing/directory";
import { identityFor, ownerPool } from "../testing/identities";
import { listTodoPage } from "../todo-list.server";
import { createTodo } from "../todos.server";
import { applyDirectoryChanges, closeDirectoryPool } from "./apply.server";
import { findMember, listMembers } from "./people.server";

/**
 * Who the app can name: the members of the caller's active organization,
 * for the pickers, and the people its lists join in by name. RLS alone
 * scopes both; anyone it hides is a former member.
 */

const owner = ownerPool();
const fixtures = directoryFixtures();
const { org, user } = fixtures;

afterAll(async () => {
  await fixtures.cleanUp(owner);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

const as =
  (userId: string, orgRole: ClerkOrgRole | null, orgId: string) =>
  <T>(run: (tx: ScopedTx) => Promise<T>) =>
    withIdentity(identityFor(userId, orgRole, orgId), run);

const ROLES: ClerkOrgRole[] = ["org:member", "org:moderator", "org:admin"];

describe("the members of the active organization", () => {
  let acme: string;
  let globex: string;
  const people = {} as Record<
    "zed" | "adam" | "bea" | "left" | "deleted" | "globexOnly" | "both",
    string
  >;

  beforeAll(async () => {
    acme = org("acme");
    globex = org("globex");
    for (const key of Object.keys({
      zed: 0,
      adam: 0,
      bea: 0,
      left: 0,
      deleted: 0,
      globexOnly: 0,
      both: 0,
    }) as (keyof typeof people)[])
      people[key] = user(key);
    await addMembers(acme, [
      { userId: people.zed, name: "Zed Zimmer", role: "org:member" },
      // Lower case sorts among the others, not after them.
      { userId: people.adam, name: "adam admin", role: "org:admin" },
      { userId: people.bea, name: "Bea Both", role: "org:moderator" },
      { userId: people.both, name: "Bo Both", role: "org:member" },
      { userId: people.left, name: "Lee Left", role: "org:member" },
      { userId: people.deleted, name: "Del Deleted", role: "org:member" },
    ]);
    await addMembers(globex, [
      { userId: people.globexOnly, name: "Gil Globex", role: "org:admin" },
      { userId: people.both, name: "Bo Both", role: "org:moderator" },
    ]);
    await removeMember(acme, people.left);
    await deleteUser(people.deleted);
  });

  const acmeMembers = () => [
    { id: people.adam, name: "adam admin", role: "org:admin" },
    { id: people.bea, name: "Bea Both", role: "org:moderator" },
    { id: people.both, name: "Bo Both", role: "org:member" },
    { id: people.zed, name: "Zed Zimmer", role: "org:member" },
  ];

  it.each(ROLES)(
    "%s of Acme: exactly Acme's live members, by name, with their roles",
    async (orgRole) => {
      expect(await as(people.zed, orgRole, acme)(listMembers)).toEqual(acmeMembers());
    },
  );

  it.each(ROLES)(
    "%s of Globex: exactly Globex's, with the roles they hold there",
    async (orgRole) => {
      expect(await as(people.both, orgRole, globex)(listMembers)).toEqual([
        { id: people.both, name: "Bo Both", role: "org:moderator" },
        { id: people.globexOnly, name: "Gil Globex", role: "org:admin" },
      ]);
    },
  );

  it("a personal workspace has no members to offer", async () => {
    expect(await as(people.zed, null, `personal:${people.zed}`)(listMembers)).toEqual([]);
  });

  it("someone without a name is listed by id", async () => {
    const nameless = user("nameless");
    const place = org("nameless");
    await applyDirectoryChanges([
      {
        kind: "organization",
        id: place,
        version: nextVersion(),
        deleted: false,
        name: null,
        slug: null,
      },
      {
        kind: "user",
        id: nameless,
        version: nextVersion(),
        deleted: false,
        displayName: null,
        email: null,
        imageUrl: null,
      },
      {
        kind: "membership",
        organizationId: place,
        userId: nameless,
        version: nextVersion(),
        deleted: false,
        role: "org:member",
      },
    ]);
    expect(await as(nameless, "org:member", place)(listMembers)).toEqual([
      { id: nameless, name: nameless, role: "org:member" },
    ]);
  });

  it.each(ROLES)("%s: findMember knows a live member and nobody else", async (orgRole) => {
    const inAcme = as(people.zed, orgRole, acme);
    expect(await inAcme((tx) => findMember(tx, people.bea))).toEqual({
      id: people.bea,
      name: "Bea Both",
      role: "org:moderator",
    });
    for (const stranger of [people.left, people.deleted, people.globexOnly, user("never")])
      expect(await inAcme((tx) => findMember(tx, stranger)), stranger).toBeNull();
  });

  it("an admin's reassign preview names the new owner, and refuses whoever is not a member", async () => {
    const admin = as(people.adam, "org:admin", acme);
    const target = { ids: [] as number[] };
    expect(
      await admin((tx) => previewBulk(tx, { action: "reassign", owner: people.zed, target })),
    ).toEqual({ count: 0, owner: { id: people.zed, name: "Zed Zimmer", role: "org:member" } });
    for (const stranger of [people.left, people.deleted, people.globexOnly]) {
      await expect(
        admin((tx) => previewBulk(tx, { action: "reassign", owner: stranger, target })),
      ).rejects.toEqual(new NotAMember(stranger));
    }
  });

  it("a confirmed reassign of nothing to a non-member is refused all the same", async () => {
    const admin = as(people.adam, "org:admin", acme);
    await expect(
      admin((tx) => runBulk(tx, { action: "reassign", owner: people.left, target: { ids: [] } })),
    ).rejects.toBeInstanceOf(NotAMember);
    expect(
      await admin((tx) =>
        runBulk(tx, { action: "reassign", owner: people.zed, target: { ids: [] } }),
      ),
    ).toEqual({ changed: 0, ownerName: "Zed Zimmer", txId: expect.any(Number) });
  });
});

describe("names joined into the lists", () => {
  let acme: string;
  const people = {} as Record<"member" | "moderator" | "admin" | "gone" | "reviewerGone", string>;
  let ids: Record<"mine" | "gones" | "reviewedByGone", number>;

  const review = (todoId: number, reviewerId: string, verdict: "approved" | "flagged") =>
    owner.query(
      "insert into todo_reviews (todo_id, tenant_id, reviewer_id, verdict, reason) values ($1, $2, $3, $4, case when $4::review_verdict = 'flagged' then 'spam'::review_reason end)",
      [todoId, acme, reviewerId, verdict],
    );

  beforeAll(async () => {
    acme = org("names");
    for (const key of ["member", "moderator", "admin", "gone", "reviewerGone"] as const)
      people[key] = user(key);
    await addMembers(acme, [
      { userId: people.member, name: "Mia Member", role: "org:member" },
      { userId: people.moderator, name: "Mo Moderator", role: "org:moderator" },
      { userId: people.admin, name: "Ada Admin", role: "org:admin" },
      { userId: people.gone, name: "Gus Gone", role: "org:member" },
      { userId: people.reviewerGone, name: "Rex Gone", role: "org:moderator" },
    ]);
    // Written as requests, so the audit log names an actor.
    const mine = await as(people.member, "org:member", acme)((tx) => createTodo(tx, "Mia's todo"));
    const gones = await as(people.gone, "org:member", acme)((tx) => createTodo(tx, "Gus's todo"));
    const reviewedByGone = await as(
      people.member,
      "org:member",
      acme,
    )((tx) => createTodo(tx, "Mia's other todo"));
    ids = { mine: mine.id, gones: gones.id, reviewedByGone: reviewedByGone.id };
    await review(ids.mine, people.moderator, "flagged");
    await review(ids.reviewedByGone, people.reviewerGone, "flagged");
    await removeMember(acme, people.gone);
    await deleteUser(people.reviewerGone);
  });

  const byId = <T extends { id: number }>(rows: T[]) =>
    Object.fromEntries(rows.map((row) => [row.id, row]));

  it("a member sees their own name and their reviewers' (a departed reviewer as null), without the email column", async () => {
    const page = await as(
      people.member,
      "org:member",
      acme,
    )((tx) => listTodoPage(tx, { sort: "newest" }));
    const rows = byId(page.rows);
    expect(Object.keys(rows).map(Number).sort()).toEqual([ids.mine, ids.reviewedByGone].sort());
    expect(rows[ids.mine]).toMatchObject({
      ownerName: "Mia Member",
      reviewerId: people.moderator,
      reviewerName: "Mo Moderator",
    });
    expect(rows[ids.reviewedByGone]).toMatchObject({
      ownerName: "Mia Member",
      reviewerId: people.reviewerGone,
      reviewerName: null,
    });
  });

  it.each(["org:moderator", "org:admin"] as const)(
    "%s: owners by name, a former member's as null",
    async (orgRole) => {
      const rows = byId(
        (await as(people.moderator, orgRole, acme)((tx) => listTodoPage(tx, { sort: "newest" })))
          .rows,
      );
      expect(rows[ids.mine]).toMatchObject({
        userId: people.member,
        ownerName: "Mia Member",
        reviewerName: "Mo Moderator",
      });
      expect(rows[ids.gones]).toMatchObject({
        userId: people.gone,
        ownerName: null,
        reviewerName: null,
      });
    },
  );

  it("the review queue names owners and reviewers", async () => {
    const { unreviewed, flagged } = await as(
      people.admin,
      "org:admin",
      acme,
    )(async (tx) => ({
      unreviewed: await unreviewedTodos(tx, 20),
      flagged: await flaggedTodos(tx, 20),
    }));
    expect(byId(unreviewed)[ids.gones]).toMatchObject({ ownerName: null, reviewerName: null });
    expect(byId(flagged)[ids.mine]).toMatchObject({
      ownerName: "Mia Member",
      reviewerName: "Mo Moderator",
    });
    expect(byId(flagged)[ids.reviewedByGone]).toMatchObject({
      ownerName: "Mia Member",
      reviewerName: null,
    });
  });

  it("the audit log names its actors, a former member's as null", async () => {
    const { rows } = await as(people.admin, "org:admin", acme)((tx) => listAudit(tx, {}));
    const inserts = rows.filter(
      (entry) => entry.tableName === "todos" && entry.action === "insert",
    );
    expect(inserts.map((entry) => [entry.todoId, entry.actor, entry.actorName]).sort()).toEqual(
      [
        [ids.mine, people.member, "Mia Member"],
        [ids.gones, people.gone, null],
        [ids.reviewedByGone, people.member, "Mia Member"],
      ].sort(),
    );
  });
});
