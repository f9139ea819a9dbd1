import { afterAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../db/migrate";
import { createPool } from "../db/driver";
import { ownerPool } from "../db/testing/identities";
import { BACKEND_ROLE_NAMES } from "./roles";

const owner = ownerPool();

afterAll(async () => {
  await owner.end();
});

/**
 * Everything role setup and the migrations write. oids are included so that a
 * drop-and-recreate shows up even when it reproduces the same definition, and
 * the password verifier because SCRAM salts it afresh on every ALTER ROLE ...
 * PASSWORD.
 */
async function snapshot() {
  const q = async (text: string, values: unknown[] = []) => (await owner.query(text, values)).rows;
  return {
    roles: await q(
      `select r.oid::int as oid, r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
              r.rolreplication, r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil, r.rolconfig, a.rolpassword
         from pg_roles r join pg_authid a on a.oid = r.oid
        where r.rolname = any($1) order by r.rolname`,
      [BACKEND_ROLE_NAMES],
    ),
    memberships: await q(
      `select m.roleid::regrole::text as role, m.member::regrole::text as member
         from pg_auth_members m
        where m.roleid::regrole::text = any($1) or m.member::regrole::text = any($1)
        order by 1, 2`,
      [BACKEND_ROLE_NAMES],
    ),
    schemaAcls: await q(
      `select oid::int as oid, nspname, nspacl::text as acl from pg_namespace where nspname in ('public', 'auth') order by nspname`,
    ),
    relationAcls: await q(
      `select c.oid::int as oid, c.relname, c.relkind, c.relacl::text as acl, c.relrowsecurity, c.relforcerowsecurity
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relname in ('todos', 'todos_id_seq') order by c.relname`,
    ),
    defaultAcls: await q(
      `select oid::int as oid, defaclrole::regrole::text as role, defaclnamespace::regnamespace::text as schema, defaclobjtype, defaclacl::text as acl
         from pg_default_acl order by oid`,
    ),
    authFunctions: await q(
      `select p.oid::int as oid, p.proname, p.prosrc, p.provolatile, p.prorettype::regtype::text as returns, p.proacl::text as acl
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'auth' order by p.proname`,
    ),
    policies: await q(
      `select policyname, roles::text, cmd, qual, with_check from pg_policies where schemaname = 'public' and tablename = 'todos' order by policyname`,
    ),
    migrations: await q(
      `select id, hash, created_at::text from drizzle.__drizzle_migrations order by id`,
    ),
  };
}

describe("backend roles", () => {
  it("exist, can log in, and are neither superuser nor BYPASSRLS", async () => {
    const { rows } = await owner.query(
      `select rolname, rolcanlogin, rolbypassrls, rolsuper, rolcreaterole, rolcreatedb
         from pg_roles where rolname = any($1) order by rolname`,
      [BACKEND_ROLE_NAMES],
    );
    expect(rows).toEqual(
      [...BACKEND_ROLE_NAMES].sort().map((rolname) => ({
        rolname,
        rolcanlogin: true,
        rolbypassrls: false,
        rolsuper: false,
        rolcreaterole: false,
        rolcreatedb: false,
      })),
    );
  });
});

describe("role setup and migrations run twice", () => {
  it("change nothing and do not throw", async () => {
    const before = await snapshot();
    // The snapshot must actually hold what it is meant to compare.
    expect(before.roles).toHaveLength(3);
    expect(
      before.roles.every(
        (role) =>
          typeof role.rolpassword === "string" && role.rolpassword.startsWith("SCRAM-SHA-256$"),
      ),
    ).toBe(true);
    expect(before.schemaAcls.map((s) => s.nspname)).toEqual(["auth", "public"]);
    expect(before.relationAcls.map((r) => r.relname)).toEqual(["todos", "todos_id_seq"]);
    expect(before.defaultAcls.length).toBeGreaterThan(0);
    expect(before.authFunctions.map((f) => f.proname)).toEqual(["session", "user_id"]);
    expect(before.migrations.length).toBeGreaterThan(0);

    const logs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const lines: string[] = [];
      await migrateDatabase((line) => lines.push(line));
      logs.push(lines);
    }

    // No "set the password of ..." line: every role could already log in.
    expect(logs).toEqual([["migrations applied"], ["migrations applied"]]);
    expect(await snapshot()).toEqual(before);
  });
});

describe("auth.user_id()", () => {
  it("is NULL when the claims are unset or '', and the sub when they are set", async () => {
    // A fresh pool, so the connection has never had the setting touched.
    const pool = createPool(process.env.DATABASE_URL!, { max: 1 });
    const client = await pool.connect();
    const read = async () =>
      (
        await client.query<{ raw: string | null; session: unknown; uid: string | null }>(
          "select current_setting('request.jwt.claims', true) as raw, auth.session() as session, auth.user_id() as uid",
        )
      ).rows[0];
    const setClaims = (value: string) =>
      client.query("select set_config('request.jwt.claims', $1, true)", [value]);
    try {
      expect(await read()).toEqual({ raw: null, session: null, uid: null });

      await client.query("begin");
      expect(await read()).toEqual({ raw: null, session: null, uid: null });
      await setClaims("");
      expect(await read()).toEqual({ raw: "", session: null, uid: null });
      await client.query("commit");

      // What a transaction that set the claims locally leaves behind.
      expect(await read()).toEqual({ raw: "", session: null, uid: null });

      await client.query("begin");
      await setClaims(JSON.stringify({ sub: "user_setup_test", o: { rol: "admin" } }));
      expect(await read()).toMatchObject({
        session: { sub: "user_setup_test" },
        uid: "user_setup_test",
      });
      await client.query("commit");

      expect(await read()).toEqual({ raw: "", session: null, uid: null });

      await client.query("begin");
      await setClaims(JSON.stringify({ sub: "" }));
      expect((await read()).uid).toBeNull();
      await setClaims(JSON.stringify({ iss: "no-sub" }));
      expect((await read()).uid).toBeNull();
      await client.query("commit");
    } finally {
      await client.query("rollback").catch(() => {});
      client.release();
      await pool.end();
    }
  });
});

describe("todos", () => {
  it("has RLS enabled and exactly 12 policies, four per backend role", async () => {
    const { rows: table } = await owner.query(
      "select relrowsecurity from pg_class where oid = 'public.todos'::regclass",
    );
    expect(table).toEqual([{ relrowsecurity: true }]);

    const { rows } = await owner.query<{ role: string; cmd: string }>(
      "select unnest(roles)::text as role, cmd from pg_policies where schemaname = 'public' and tablename = 'todos'",
    );
    expect(rows).toHaveLength(12);
    for (const role of BACKEND_ROLE_NAMES) {
      expect(
        rows
          .filter((row) => row.role === role)
          .map((row) => row.cmd)
          .sort(),
      ).toEqual(["DELETE", "INSERT", "SELECT", "UPDATE"]);
    }
  });
});
