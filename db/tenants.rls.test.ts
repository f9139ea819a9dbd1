import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Identity } from "../roles/identity";
import type { ClerkOrgRole } from "../roles/roles";
import { runBulk } from "./bulk.server";
import { closeRolePools } from "./pools.server";
import { withIdentity } from "./scoped.server";
import { freshUserId, identityFor, ownerPool } from "./testing/identities";
import { rawAs } from "./testing/raw-sql";

/**
 * The policy matrix with more than one tenant. Each role acts in Acme, in
 * statement shapes the app never uses (no WHERE, no RETURNING, INSERT …
 * SELECT) and through the app's own bulk action; the rows of Globex and of
 * personal workspaces, the actor's own included, must neither show nor change.
 */

const owner = ownerPool();
const madeBy: string[] = [];

afterAll(async () => {
  await owner.query("delete from todos where user_id = any($1::text[])", [madeBy]);
  await owner.end();
  await closeRolePools();
});

type Place = "mine" | "colleague" | "globex" | "strangerPersonal" | "myPersonal";
let me: string;
let ids: Record<Place, number>;

beforeEach(async () => {
  me = freshUserId("actor");
  const colleague = freshUserId("colleague");
  const stranger = freshUserId("stranger");
  madeBy.push(me, colleague, stranger);
  const place = async (tenant: string, userId: string) =>
    Number(
      (
        await owner.query<{ id: string }>(
          "insert into todos (tenant_id, user_id, task) values ($1, $2, 'matrix') returning id",
          [tenant, userId],
        )
      ).rows[0].id,
    );
  ids = {
    mine: await place("org_acme", me),
    colleague: await place("org_acme", colleague),
    globex: await place("org_globex", stranger),
    strangerPersonal: await place(`personal:${stranger}`, stranger),
    myPersonal: await place(`personal:${me}`, me),
  };
});

/** Every column of one fixture row, behind RLS's back. */
const rowState = async (place: Place) =>
  (
    await owner.query("select tenant_id, user_id, task, is_complete from todos where id = $1", [
      ids[place],
    ])
  ).rows[0] ?? null;
const snapshot = async () =>
  Object.fromEntries(
    await Promise.all(
      (Object.keys(ids) as Place[]).map(async (place) => [place, await rowState(place)]),
    ),
  );
const fixtureIds = () => Object.values(ids);

/** Which fixture rows differ from the snapshot. */
async function changedSince(before: Record<string, unknown>): Promise<Place[]> {
  const after = await snapshot();
  return (Object.keys(ids) as Place[]).filter(
    (place) => JSON.stringify(after[place]) !== JSON.stringify(before[place]),
  );
}

const ROLES: { label: string; orgRole: ClerkOrgRole; sees: Place[]; changes: Place[] }[] = [
  { label: "member", orgRole: "org:member", sees: ["mine"], changes: ["mine"] },
  { label: "moderator", orgRole: "org:moderator", sees: ["mine", "colleague"], changes: ["mine"] },
  {
    label: "admin",
    orgRole: "org:admin",
    sees: ["mine", "colleague"],
    changes: ["mine", "colleague"],
  },
];

const placesOf = (rows: { id: string | number }[]) =>
  (Object.keys(ids) as Place[])
    .filter((place) => rows.some((row) => Number(row.id) === ids[place]))
    .sort();

describe.each(ROLES)("$label of Acme", ({ orgRole, sees, changes }) => {
  const actor = (): Identity => identityFor(me, orgRole, "org_acme");

  it("selects, with no WHERE, only what its role sees in Acme", async () => {
    const { rows } = await rawAs(actor(), "select id from todos where id = any($1::bigint[])", [
      fixtureIds(),
    ]);
    expect(placesOf(rows)).toEqual([...sees].sort());
  });

  it("updates, with no WHERE and no RETURNING, only what its role may change in Acme", async () => {
    const before = await snapshot();
    await rawAs(actor(), "update todos set task = 'changed by the matrix'");
    expect((await changedSince(before)).sort()).toEqual([...changes].sort());
  });

  it("deletes, with no WHERE, only what its role may change in Acme", async () => {
    const before = await snapshot();
    await rawAs(actor(), "delete from todos");
    expect((await changedSince(before)).sort()).toEqual([...changes].sort());
  });

  it("cannot reach another tenant's row by naming its id", async () => {
    const before = await snapshot();
    for (const place of ["globex", "strangerPersonal", "myPersonal"] as const) {
      expect(
        (await rawAs(actor(), "update todos set is_complete = true where id = $1", [ids[place]]))
          .rowCount,
      ).toBe(0);
      expect((await rawAs(actor(), "delete from todos where id = $1", [ids[place]])).rowCount).toBe(
        0,
      );
    }
    expect(await changedSince(before)).toEqual([]);
  });

  it("reviews only inside Acme: INSERT … SELECT over every id reaches no other tenant", async () => {
    const others = [ids.colleague, ids.globex, ids.strangerPersonal];
    // A member sees none of these todos, so the SELECT feeds the insert nothing.
    const { rowCount } = await rawAs(
      actor(),
      "insert into todo_reviews (todo_id, verdict) select id, 'approved' from todos where id = any($1::bigint[])",
      [others],
    );
    expect(rowCount).toBe(orgRole === "org:member" ? 0 : 1);
    const { rows } = await owner.query(
      "select todo_id from todo_reviews where todo_id = any($1::bigint[])",
      [others],
    );
    expect(rows.map((row) => Number(row.todo_id))).toEqual(
      orgRole === "org:member" ? [] : [ids.colleague],
    );
  });

  it("cannot review another tenant's todo by id: the composite key or the policy refuses", async () => {
    await expect(
      rawAs(
        actor(),
        "insert into todo_reviews (todo_id, verdict, reason) values ($1, 'flagged', 'spam')",
        [ids.globex],
      ),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/^(23503|42501)$/),
    });
    await expect(
      rawAs(
        actor(),
        "insert into todo_reviews (todo_id, tenant_id, verdict, reason) values ($1, 'org_globex', 'flagged', 'spam')",
        [ids.globex],
      ),
    ).rejects.toMatchObject({
      code: "42501",
    });
    expect(
      (
        await owner.query("select count(*)::int as n from todo_reviews where todo_id = $1", [
          ids.globex,
        ])
      ).rows[0].n,
    ).toBe(0);
  });

  it("the app's bulk action over the whole filter changes Acme rows only", async () => {
    // Only admins are offered it (the capability check); forced past that, the policies still confine the others.
    const before = await snapshot();
    await withIdentity(actor(), (tx) =>
      runBulk(tx, { action: "complete", target: { filter: {} } }),
    );
    expect((await changedSince(before)).sort()).toEqual([...changes].sort());
  });
});

describe("a personal workspace", () => {
  it("shows its owner their personal todos only, none of any organization's", async () => {
    const { rows } = await rawAs(
      identityFor(me, null),
      "select id from todos where id = any($1::bigint[])",
      [fixtureIds()],
    );
    expect(placesOf(rows)).toEqual(["myPersonal"]);
  });

  it("is never visible to an organization's moderators or admins, even on their own connection without an organization", async () => {
    for (const backendRole of ["moderator_backend", "admin_backend"] as const) {
      const personal = identityFor(me, null);
      const { rows } = await rawAs(
        { ...personal, backendRole },
        "select id from todos where id = any($1::bigint[])",
        [fixtureIds()],
      );
      expect(rows).toEqual([]);
    }
  });

  it("a member there changes their personal todo and nothing else, with no WHERE", async () => {
    const before = await snapshot();
    await rawAs(identityFor(me, null), "update todos set task = 'personal edit'");
    expect(await changedSince(before)).toEqual(["myPersonal"]);
  });
});

describe("the audit log", () => {
  it("shows an admin their organization's entries only", async () => {
    const before = await snapshot();
    expect(before.mine).not.toBeNull();
    const admin = identityFor(freshUserId("auditor"), "org:admin", "org_acme");
    const { rows } = await rawAs(
      admin,
      "select distinct tenant_id from audit.audit_log where todo_id = any($1::bigint[])",
      [fixtureIds()],
    );
    expect(rows).toEqual([{ tenant_id: "org_acme" }]);
    const globexAdmin = identityFor(freshUserId("auditor"), "org:admin", "org_globex");
    const { rows: theirs } = await rawAs(
      globexAdmin,
      "select distinct tenant_id from audit.audit_log where todo_id = any($1::bigint[])",
      [fixtureIds()],
    );
    expect(theirs).toEqual([{ tenant_id: "org_globex" }]);
  });
});
