/** Claims and the tenant they act in: the app (roles.test.ts) and the database (db/tenant.test.ts) must both read them so. */
export const TENANT_CASES: [
  name: string,
  claims: Record<string, unknown>,
  tenant: string | null,
][] = [
  ["v1 org_id", { sub: "user_a", org_id: "org_acme", org_role: "org:admin" }, "org_acme"],
  ["v2 o.id", { sub: "user_a", v: 2, o: { id: "org_acme", rol: "admin" } }, "org_acme"],
  ["v3 o.id", { sub: "user_a", v: 3, o: { id: "org_acme", rol: "member" } }, "org_acme"],
  [
    "v2 with a stray org_id and no o",
    { sub: "user_a", v: 2, org_id: "org_acme" },
    "personal:user_a",
  ],
  [
    "v2 with a stray org_id and another o.id",
    { sub: "user_a", v: 2, org_id: "org_globex", o: { id: "org_acme" } },
    "org_acme",
  ],
  ["v1 with a stray o.id", { sub: "user_a", o: { id: "org_acme" } }, "personal:user_a"],
  [
    "v as a string is v1",
    { sub: "user_a", v: "2", o: { id: "org_acme" }, org_id: "org_globex" },
    "org_globex",
  ],
  ["no organization", { sub: "user_a" }, "personal:user_a"],
  ["v2 without o", { sub: "user_a", v: 2 }, "personal:user_a"],
  ["o null", { sub: "user_a", v: 2, o: null }, "personal:user_a"],
  ["o an array", { sub: "user_a", v: 2, o: ["org_acme"] }, "personal:user_a"],
  ["o.id a number", { sub: "user_a", v: 2, o: { id: 42 } }, "personal:user_a"],
  ["o.id an object", { sub: "user_a", v: 2, o: { id: { id: "org_acme" } } }, "personal:user_a"],
  ["o.id a user id", { sub: "user_a", v: 2, o: { id: "user_b" } }, "personal:user_a"],
  [
    "o.id another personal workspace",
    { sub: "user_a", v: 2, o: { id: "personal:user_b" } },
    "personal:user_a",
  ],
  ["o.id with a space", { sub: "user_a", v: 2, o: { id: "org_acme " } }, "personal:user_a"],
  [
    "o.id with a newline",
    { sub: "user_a", v: 2, o: { id: "org_acme\norg_globex" } },
    "personal:user_a",
  ],
  ["org_id empty", { sub: "user_a", org_id: "" }, "personal:user_a"],
  ["org_id an array", { sub: "user_a", org_id: ["org_acme"] }, "personal:user_a"],
  ["no sub and no organization", {}, null],
  ["no sub but an organization", { v: 2, o: { id: "org_acme" } }, "org_acme"],
];
