import { afterAll, describe, expect, it } from "vitest";
import { tenantFromClaims } from "../roles/roles";
import { TENANT_CASES } from "../roles/testing/tenant-cases";
import { closeRolePools, rolePool } from "./pools.server";
import { rawAs } from "./testing/raw-sql";
import { freshUserId, identityFor, ownerPool } from "./testing/identities";

/**
 * The database reads the active tenant from the claims exactly as the app
 * does, and a row's tenant is set from the claims and never changes.
 */

const owner = ownerPool();
const created: number[] = [];

afterAll(async () => {
  await owner.query("delete from todos where id = any($1::bigint[])", [created]);
  await owner.end();
  await closeRolePools();
});

describe("warden.tenant_id() and warden.active_org_id() read the claims as roles.ts does", () => {
  it.each(TENANT_CASES)("%s", async (_name, claims, tenant) => {
    const client = await rolePool("authenticated_backend").pool.connect();
    try {
      await client.query("begin");
      await client.query("select set_config('request.jwt.claims', $1, true)", [
        JSON.stringify(claims),
      ]);
      const { rows } = await client.query(
        "select warden.tenant_id() as tenant, warden.active_org_id() as org",
      );
      await client.query("commit");
      expect(rows[0]).toEqual({ tenant, org: tenant?.startsWith("org_") ? tenant : null });
      expect(rows[0].tenant).toBe(tenantFromClaims(claims));
    } finally {
      client.release();
    }
  });

  it("without claims there is no tenant at all", async () => {
    const { rows } = await rolePool("admin_backend").pool.query(
      "select warden.tenant_id() as tenant, warden.active_org_id() as org",
    );
    expect(rows[0]).toEqual({ tenant: null, org: null });
  });
});

const tenantOf = async (id: number) =>
  (await owner.query("select tenant_id from todos where id = $1", [id])).rows[0]?.tenant_id ?? null;

describe.each([
  ["member", "org:member"],
  ["moderator", "org:moderator"],
  ["admin", "org:admin"],
] as const)("a %s cannot forge or move a tenant", (_label, orgRole) => {
  it("an insert takes the tenant from the claims", async () => {
    const me = freshUserId("tenant");
    const { rows } = await rawAs(
      identityFor(me, orgRole),
      "insert into todos (task) values ('from the claims') returning id, tenant_id, user_id",
    );
    created.push(Number(rows[0].id));
    expect(rows[0]).toMatchObject({ tenant_id: "org_acme", user_id: me });
  });

  it.each([
    ["another organization", "org_globex"],
    ["another user's personal workspace", "personal:user_bob"],
    ["their own personal workspace", null],
  ])("an insert naming %s is refused, without RETURNING too", async (_what, target) => {
    const me = freshUserId("forger");
    const tenant = target ?? `personal:${me}`;
    await expect(
      rawAs(identityFor(me, orgRole), "insert into todos (tenant_id, task) values ($1, 'forged')", [
        tenant,
      ]),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      rawAs(
        identityFor(me, orgRole),
        "insert into todos (tenant_id, user_id, task) select $1, $2, 'forged' from generate_series(1, 3)",
        [tenant, me],
      ),
    ).rejects.toMatchObject({ code: "42501" });
    expect(
      (await owner.query("select count(*)::int as n from todos where user_id = $1", [me])).rows[0]
        .n,
    ).toBe(0);
  });

  it("an update of the tenant column, with no WHERE, is refused and moves nothing", async () => {
    const me = freshUserId("mover");
    const { rows } = await owner.query<{ id: string }>(
      "insert into todos (user_id, task) values ($1, 'stays in Acme') returning id",
      [me],
    );
    const id = Number(rows[0].id);
    created.push(id);
    await expect(
      rawAs(identityFor(me, orgRole), "update todos set tenant_id = 'org_globex'"),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^(42501|23000)$/) });
    expect(await tenantOf(id)).toBe("org_acme");
  });
});

it("not even the owner can move a row to another tenant", async () => {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) values ($1, 'pinned') returning id",
    [freshUserId("pinned")],
  );
  const id = Number(rows[0].id);
  created.push(id);
  await expect(
    owner.query("update todos set tenant_id = 'org_globex' where id = $1", [id]),
  ).rejects.toMatchObject({ code: "23000" });
  expect(await tenantOf(id)).toBe("org_acme");
});

it("a review takes its todo's tenant; one naming another tenant breaks the composite key", async () => {
  const author = freshUserId("author");
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) values ($1, 'reviewed in Acme') returning id",
    [author],
  );
  const id = Number(rows[0].id);
  created.push(id);
  await expect(
    owner.query(
      "insert into todo_reviews (todo_id, tenant_id, reviewer_id, verdict) values ($1, 'org_globex', 'user_x', 'approved')",
      [id],
    ),
  ).rejects.toMatchObject({
    code: "23503",
  });
  await rawAs(
    identityFor(freshUserId("mod"), "org:moderator"),
    "insert into todo_reviews (todo_id, verdict) values ($1, 'approved')",
    [id],
  );
  expect(
    (await owner.query("select tenant_id from todo_reviews where todo_id = $1", [id])).rows,
  ).toEqual([{ tenant_id: "org_acme" }]);
});
