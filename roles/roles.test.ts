import { describe, expect, it } from "vitest";
import { TENANT_CASES } from "./testing/tenant-cases";
import {
  BACKEND_ROLE_NAMES,
  backendRoleForClaims,
  backendRoleForOrgRole,
  connectionEnvFor,
  LEAST_PRIVILEGED,
  normalizeOrgRole,
  orgRoleFromClaims,
  activeOrgFromClaims,
  tenantFromClaims,
  type BackendRole,
  type ClerkOrgRole,
} from "./roles";

// Privilege order, so a wrong mapping is reported as "too high" and not only
// as "different".
const RANK: Record<BackendRole, number> = {
  authenticated_backend: 0,
  moderator_backend: 1,
  admin_backend: 2,
};

type Case = [
  name: string,
  claims: Record<string, unknown>,
  orgRole: ClerkOrgRole | null,
  backendRole: BackendRole,
];

const KNOWN: Case[] = [
  ["v1 member", { org_id: "org_1", org_role: "org:member" }, "org:member", "authenticated_backend"],
  [
    "v1 moderator",
    { org_id: "org_1", org_role: "org:moderator" },
    "org:moderator",
    "moderator_backend",
  ],
  ["v1 admin", { org_id: "org_1", org_role: "org:admin" }, "org:admin", "admin_backend"],
  ["v2 member", { v: 2, o: { id: "org_1", rol: "member" } }, "org:member", "authenticated_backend"],
  [
    "v2 moderator",
    { v: 2, o: { id: "org_1", rol: "moderator" } },
    "org:moderator",
    "moderator_backend",
  ],
  ["v2 admin", { v: 2, o: { id: "org_1", rol: "admin" } }, "org:admin", "admin_backend"],
  // Trimming and lower-casing are the documented normalization.
  ["v1 ' ORG:Admin '", { org_id: "org_1", org_role: " ORG:Admin " }, "org:admin", "admin_backend"],
  [
    "v1 tabs and newline around ORG:MODERATOR",
    { org_id: "org_1", org_role: "\tORG:MODERATOR\n" },
    "org:moderator",
    "moderator_backend",
  ],
  ["v2 ' ADMIN '", { v: 2, o: { id: "org_1", rol: " ADMIN " } }, "org:admin", "admin_backend"],
  [
    "v2 'Moderator'",
    { v: 2, o: { id: "org_1", rol: "Moderator" } },
    "org:moderator",
    "moderator_backend",
  ],
  // normalizeOrgRole adds the prefix whatever the version, and keeps one that is there.
  ["v1 unprefixed 'admin'", { org_id: "org_1", org_role: "admin" }, "org:admin", "admin_backend"],
  [
    "v2 prefixed 'org:admin'",
    { v: 2, o: { id: "org_1", rol: "org:admin" } },
    "org:admin",
    "admin_backend",
  ],
];

/** Everything here must land on the least privileged role. */
const UNKNOWN: Case[] = [
  ["no claims at all", {}, null, "authenticated_backend"],
  ["no org: only sub", { sub: "user_1" }, null, "authenticated_backend"],
  ["v2 without o", { v: 2, sub: "user_1" }, null, "authenticated_backend"],
  ["v2 with o but no rol", { v: 2, o: { id: "org_1" } }, null, "authenticated_backend"],
  [
    "custom v1 org:owner",
    { org_id: "org_1", org_role: "org:owner" },
    null,
    "authenticated_backend",
  ],
  [
    "custom v1 org:superadmin",
    { org_id: "org_1", org_role: "org:superadmin" },
    null,
    "authenticated_backend",
  ],
  [
    "backend role name as v1 org_role",
    { org_id: "org_1", org_role: "admin_backend" },
    null,
    "authenticated_backend",
  ],
  ["custom v2 owner", { v: 2, o: { id: "org_1", rol: "owner" } }, null, "authenticated_backend"],
  [
    "custom v2 superadmin",
    { v: 2, o: { id: "org_1", rol: "superadmin" } },
    null,
    "authenticated_backend",
  ],
  [
    "backend role name as v2 rol",
    { v: 2, o: { id: "org_1", rol: "admin_backend" } },
    null,
    "authenticated_backend",
  ],
  ["v1 empty string", { org_id: "org_1", org_role: "" }, null, "authenticated_backend"],
  ["v1 whitespace only", { org_id: "org_1", org_role: "   " }, null, "authenticated_backend"],
  ["v1 prefix only", { org_id: "org_1", org_role: "org:" }, null, "authenticated_backend"],
  [
    "v1 doubled prefix",
    { org_id: "org_1", org_role: "org:org:admin" },
    null,
    "authenticated_backend",
  ],
  [
    "v1 space after the prefix",
    { org_id: "org_1", org_role: "ORG: admin" },
    null,
    "authenticated_backend",
  ],
  [
    "v1 admin with a suffix",
    { org_id: "org_1", org_role: "org:admins" },
    null,
    "authenticated_backend",
  ],
  [
    "v1 admin with a zero-width space",
    { org_id: "org_1", org_role: "org:admin\u200b" },
    null,
    "authenticated_backend",
  ],
  [
    "v1 admin with a dotless i",
    { org_id: "org_1", org_role: "org:admın" },
    null,
    "authenticated_backend",
  ],
  [
    "v2 prototype key as rol",
    { v: 2, o: { id: "org_1", rol: "__proto__" } },
    null,
    "authenticated_backend",
  ],
  [
    "v2 'constructor' as rol",
    { v: 2, o: { id: "org_1", rol: "constructor" } },
    null,
    "authenticated_backend",
  ],
  ["v1 array", { org_id: "org_1", org_role: ["org:admin"] }, null, "authenticated_backend"],
  [
    "v1 object",
    { org_id: "org_1", org_role: { role: "org:admin" } },
    null,
    "authenticated_backend",
  ],
  [
    "v1 object that stringifies to org:admin",
    { org_id: "org_1", org_role: { toString: () => "org:admin" } },
    null,
    "authenticated_backend",
  ],
  [
    "v1 String object",
    { org_id: "org_1", org_role: new String("org:admin") },
    null,
    "authenticated_backend",
  ],
  ["v1 number", { org_id: "org_1", org_role: 2 }, null, "authenticated_backend"],
  ["v1 boolean", { org_id: "org_1", org_role: true }, null, "authenticated_backend"],
  ["v1 null", { org_id: "org_1", org_role: null }, null, "authenticated_backend"],
  ["v2 rol array", { v: 2, o: { id: "org_1", rol: ["admin"] } }, null, "authenticated_backend"],
  [
    "v2 rol object",
    { v: 2, o: { id: "org_1", rol: { name: "admin" } } },
    null,
    "authenticated_backend",
  ],
  ["v2 rol number", { v: 2, o: { id: "org_1", rol: 1 } }, null, "authenticated_backend"],
  ["v2 rol null", { v: 2, o: { id: "org_1", rol: null } }, null, "authenticated_backend"],
  ["v2 o null", { v: 2, o: null }, null, "authenticated_backend"],
  // An array or string `o` must not be indexed into for a role.
  ["v2 o array", { v: 2, o: ["admin"] }, null, "authenticated_backend"],
  [
    "v2 o array with rol property",
    { v: 2, o: Object.assign(["x"], { rol: "admin" }) },
    null,
    "authenticated_backend",
  ],
  ["v2 o string", { v: 2, o: "admin" }, null, "authenticated_backend"],
  ["v2 o number", { v: 2, o: 7 }, null, "authenticated_backend"],
  // The forged claim a v2 reader must ignore.
  [
    "v2 member with forged org_role org:admin",
    { v: 2, o: { id: "org_1", rol: "member" }, org_role: "org:admin" },
    "org:member",
    "authenticated_backend",
  ],
  [
    "v2 without o and with forged org_role",
    { v: 2, org_role: "org:admin" },
    null,
    "authenticated_backend",
  ],
  [
    "v2 o array and forged org_role",
    { v: 2, o: ["admin"], org_role: "org:admin" },
    null,
    "authenticated_backend",
  ],
  [
    "v2 custom role and forged org_role",
    { v: 2, o: { id: "org_1", rol: "owner" }, org_role: "org:admin" },
    null,
    "authenticated_backend",
  ],
  // And the other direction: a v1 reader does not look at `o`.
  [
    "v1 (no v) with o.rol admin",
    { o: { id: "org_1", rol: "admin" } },
    null,
    "authenticated_backend",
  ],
  // A JSON "__proto__" key becomes an own property, not the prototype.
  [
    "JSON __proto__ carrying org_role",
    JSON.parse('{"org_id": "org_1", "__proto__": {"org_role": "org:admin"}}'),
    null,
    "authenticated_backend",
  ],
  [
    "JSON v2 o with __proto__ carrying rol",
    JSON.parse('{"v": 2, "o": {"id": "org_1", "__proto__": {"rol": "admin"}}}'),
    null,
    "authenticated_backend",
  ],
  // A role counts only inside the organization that granted it.
  ["v1 admin without org_id", { org_role: "org:admin" }, null, "authenticated_backend"],
  ["v2 admin without o.id", { v: 2, o: { rol: "admin" } }, null, "authenticated_backend"],
  [
    "v2 admin whose o.id is a user id",
    { v: 2, o: { id: "user_bob", rol: "admin" } },
    null,
    "authenticated_backend",
  ],
  [
    "v2 admin whose o.id is empty",
    { v: 2, o: { id: "", rol: "admin" } },
    null,
    "authenticated_backend",
  ],
  [
    "v2 admin whose o.id is a number",
    { v: 2, o: { id: 7, rol: "admin" } },
    null,
    "authenticated_backend",
  ],
  [
    "v2 admin whose o.id names a personal workspace",
    { v: 2, o: { id: "personal:user_bob", rol: "admin" } },
    null,
    "authenticated_backend",
  ],
  [
    "v2 admin with org_id but no o.id",
    { v: 2, org_id: "org_1", o: { rol: "admin" } },
    null,
    "authenticated_backend",
  ],
  [
    "v1 admin whose org_id is an array",
    { org_id: ["org_1"], org_role: "org:admin" },
    null,
    "authenticated_backend",
  ],
];

describe("backendRoleForClaims", () => {
  it.each([...KNOWN, ...UNKNOWN])("%s", (_name, claims, orgRole, backendRole) => {
    expect(orgRoleFromClaims(claims)).toBe(orgRole);
    expect(backendRoleForClaims(claims)).toBe(backendRole);
  });

  it.each(UNKNOWN)("%s never ranks above authenticated_backend", (_name, claims) => {
    expect(RANK[backendRoleForClaims(claims)]).toBeLessThanOrEqual(RANK.authenticated_backend);
  });

  it("the tables reach every backend role (so a mapping collapsed to one role fails)", () => {
    expect(new Set(KNOWN.map(([, claims]) => backendRoleForClaims(claims)))).toEqual(
      new Set(BACKEND_ROLE_NAMES),
    );
  });
});

describe("normalizeOrgRole", () => {
  it.each<[unknown, ClerkOrgRole | null]>([
    [" ORG:Admin ", "org:admin"],
    ["org:admin", "org:admin"],
    ["admin", "org:admin"],
    ["MEMBER", "org:member"],
    ["\u00a0org:moderator\u00a0", "org:moderator"],
    ["", null],
    ["org:", null],
    ["org:owner", null],
    [undefined, null],
    [null, null],
    [0, null],
    [["org:admin"], null],
  ])("%j -> %j", (raw, expected) => {
    expect(normalizeOrgRole(raw)).toBe(expected);
  });
});

describe("backendRoleForOrgRole", () => {
  it("null falls to the least privileged role, which is authenticated_backend", () => {
    expect(LEAST_PRIVILEGED).toBe("authenticated_backend");
    expect(backendRoleForOrgRole(null)).toBe("authenticated_backend");
  });
});

describe("connectionEnvFor", () => {
  it.each<[BackendRole, string]>([
    ["authenticated_backend", "DATABASE_AUTHENTICATED_URL"],
    ["moderator_backend", "DATABASE_MODERATOR_URL"],
    ["admin_backend", "DATABASE_ADMIN_URL"],
  ])("%s reads %s", (role, envName) => {
    expect(connectionEnvFor(role)).toBe(envName);
  });

  it("there are exactly three backend roles, each with its own variable, none the owner's", () => {
    expect(BACKEND_ROLE_NAMES).toEqual([
      "authenticated_backend",
      "moderator_backend",
      "admin_backend",
    ]);
    const names = BACKEND_ROLE_NAMES.map(connectionEnvFor);
    expect(new Set(names).size).toBe(3);
    expect(names).not.toContain("DATABASE_URL");
  });
});

describe("activeOrgFromClaims and tenantFromClaims", () => {
  it.each(TENANT_CASES)("%s", (_name, claims, tenant) => {
    expect(tenantFromClaims(claims)).toBe(tenant);
    expect(activeOrgFromClaims(claims)).toBe(tenant?.startsWith("org_") ? tenant : null);
  });
});
