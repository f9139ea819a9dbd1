import type { PoolClient } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TENANT_CASES } from "../roles/testing/tenant-cases";
import { closeRolePools, rolePool } from "./pools.server";

/**
 * warden.enter resolves the tenant once per transaction and the tenant
 * functions read it back (migration 0015), but only while the claims are
 * still the ones it was resolved from: claims set any other way, or changed
 * after enter, are read afresh, and nothing outlives the transaction.
 */

let client: PoolClient;

beforeAll(async () => {
  client = await rolePool("authenticated_backend").pool.connect();
});

afterAll(async () => {
  client.release();
  await closeRolePools();
});

const ACME = { sub: "user_a", v: 2, o: { id: "org_acme", rol: "member" } };
const GLOBEX = { sub: "user_a", v: 2, o: { id: "org_globex", rol: "member" } };
const PERSONAL = { sub: "user_b" };

const enter = (claims: unknown) =>
  client.query("select warden.enter($1, null)", [JSON.stringify(claims)]);
const setClaims = (claims: unknown) =>
  client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);

async function answers() {
  const { rows } = await client.query(
    `select warden.tenant_id() as tenant, warden.active_org_id() as org,
            warden.claims_tenant_id() as computed_tenant, warden.claims_org_id() as computed_org,
            current_setting('warden.claims', true) is not distinct from current_setting('request.jwt.claims', true) as stored`,
  );
  return rows[0] as {
    tenant: string | null;
    org: string | null;
    computed_tenant: string | null;
    computed_org: string | null;
    stored: boolean;
  };
}

async function inTransaction<T>(work: () => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    return await work();
  } finally {
    await client.query("rollback");
  }
}

describe("after warden.enter, the stored tenant is the computed one", () => {
  it.each(TENANT_CASES)("%s", async (_name, claims, tenant) => {
    const found = await inTransaction(async () => {
      await enter(claims);
      return answers();
    });
    const org = tenant?.startsWith("org_") ? tenant : null;
    expect(found).toEqual({
      tenant,
      org,
      computed_tenant: tenant,
      computed_org: org,
      stored: true,
    });
  });
});

describe("a stored tenant is never read for other claims", () => {
  it("claims set after enter, in the same transaction, are read afresh", async () => {
    const found = await inTransaction(async () => {
      await enter(ACME);
      const before = await answers();
      await setClaims(PERSONAL);
      const after = await answers();
      await setClaims(GLOBEX);
      const other = await answers();
      await setClaims(ACME);
      const back = await answers();
      return { before, after, other, back };
    });
    expect(found.before).toMatchObject({ tenant: "org_acme", org: "org_acme", stored: true });
    expect(found.after).toMatchObject({ tenant: "personal:user_b", org: null, stored: false });
    expect(found.other).toMatchObject({ tenant: "org_globex", org: "org_globex", stored: false });
    expect(found.back).toMatchObject({ tenant: "org_acme", org: "org_acme", stored: true });
  });

  it("a row inserted after the claims changed takes their tenant, by default and by policy", async () => {
    const row = await inTransaction(async () => {
      await enter(ACME);
      await setClaims(PERSONAL);
      return (
        await client.query(
          "insert into todos (task) values ('whose?') returning tenant_id, user_id",
        )
      ).rows[0];
    });
    expect(row).toEqual({ tenant_id: "personal:user_b", user_id: "user_b" });
  });

  it("claims set without enter are computed, even right after another transaction's enter", async () => {
    await inTransaction(() => enter(ACME));
    const found = await inTransaction(async () => {
      await setClaims(GLOBEX);
      return answers();
    });
    expect(found).toMatchObject({ tenant: "org_globex", org: "org_globex", stored: false });
  });

  it("a later enter in the same transaction replaces what the first stored", async () => {
    const found = await inTransaction(async () => {
      await enter(ACME);
      await enter(PERSONAL);
      return answers();
    });
    expect(found).toMatchObject({ tenant: "personal:user_b", org: null, stored: true });
  });
});

describe("nothing outlives the transaction", () => {
  const leftovers = async () =>
    (
      await client.query(
        `select warden.tenant_id() as tenant, warden.active_org_id() as org,
                nullif(current_setting('warden.tenant', true), '') as stored_tenant,
                nullif(current_setting('warden.org', true), '') as stored_org,
                nullif(current_setting('warden.claims', true), '') as stored_claims`,
      )
    ).rows[0];
  const nothing = {
    tenant: null,
    org: null,
    stored_tenant: null,
    stored_org: null,
    stored_claims: null,
  };

  it("after a commit, the next borrower of the connection has no tenant", async () => {
    await client.query("begin");
    await enter(ACME);
    await client.query("commit");
    expect(await leftovers()).toEqual(nothing);
  });

  it("after a rollback, or an ended session, neither", async () => {
    await inTransaction(() => enter(GLOBEX));
    expect(await leftovers()).toEqual(nothing);
    await client.query("begin");
    await expect(
      client.query("select warden.enter($1, 'no such session')", [JSON.stringify(ACME)]),
    ).rejects.toMatchObject({ code: "WD401" });
    await client.query("rollback");
    expect(await leftovers()).toEqual(nothing);
  });
});

it("the policies' tenant functions are inlined: no function call is left in the plan", async () => {
  const { rows } = await client.query(
    "explain (verbose, costs off) select warden.tenant_id(), warden.active_org_id()",
  );
  const plan = rows.map((row: Record<string, string>) => row["QUERY PLAN"]).join("\n");
  expect(plan).toContain("current_setting('warden.claims'");
  expect(plan).not.toMatch(/warden\.(tenant_id|active_org_id)\(\)/);
});
