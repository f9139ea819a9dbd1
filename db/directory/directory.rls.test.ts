import type { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Identity } from "../../roles/identity";
import { BACKEND_ROLE_NAMES, type ClerkOrgRole } from "../../roles/roles";
import { createPool } from "../driver";
import { closeRolePools } from "../pools.server";
import {
  addMembers,
  deleteUser,
  directoryFixtures,
  freshOrgId,
  removeMember,
} from "../testing/directory";
import { freshUserId, identityFor, ownerPool } from "../testing/identities";
import { auditCountSince, auditHighWater, todosDigest } from "../testing/owner-checks";
import { rawAs } from "../testing/raw-sql";
import { closeDirectoryPool } from "./apply.server";

/**
 * The directory under the request roles and the directory's own writer.
 * Request roles read the people of their active organization (members
 * without emails) and write nothing; the writer touches the directory and
 * nothing else; and the database itself refuses a todo to anyone who is not
 * a live member of its organization. Attacks use shapes the app never does
 * (no WHERE, no RETURNING, upserts), and the owner connection checks the
 * outcome behind RLS's back.
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

/** The statement's outcome: its row count, or "refused" when Postgres denies the privilege (anything else is a real failure). */
async function attempt(
  identity: Identity,
  statement: string,
  params: unknown[] = [],
): Promise<number | "refused"> {
  try {
    return (await rawAs(identity, statement, params)).rowCount ?? 0;
  } catch (error) {
    if ((error as { code?: string }).code === "42501") return "refused";
    throw error;
  }
}

/** Code-point order, as Postgres sorts under `collate "C"`. */
const byKey =
  <T>(key: (row: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

const ROLES: { label: string; orgRole: ClerkOrgRole }[] = [
  { label: "member", orgRole: "org:member" },
  { label: "moderator", orgRole: "org:moderator" },
  { label: "admin", orgRole: "org:admin" },
];

describe("reading the directory", () => {
  let acme: string;
  let globex: string;
  const people = {} as Record<
    "member" | "moderator" | "admin" | "colleague" | "both" | "globexMember" | "globexAdmin",
    string
  >;

  beforeAll(async () => {
    acme = org("acme");
    globex = org("globex");
    for (const key of [
      "member",
      "moderator",
      "admin",
      "colleague",
      "both",
      "globexMember",
      "globexAdmin",
    ] as const)
      people[key] = user(key);
    await addMembers(
      acme,
      [
        { userId: people.member, name: "Mia Member", role: "org:member" },
        { userId: people.moderator, name: "Mo Moderator", role: "org:moderator" },
        { userId: people.admin, name: "Ada Admin", role: "org:admin" },
        { userId: people.colleague, name: "Colin Colleague", role: "org:member" },
        { userId: people.both, name: "Bea Both", role: "org:member" },
      ],
      "Acme",
    );
    await addMembers(
      globex,
      [
        { userId: people.both, name: "Bea Both", role: "org:admin" },
        { userId: people.globexMember, name: "Gus Globex", role: "org:member" },
        { userId: people.globexAdmin, name: "Gina Globex", role: "org:admin" },
      ],
      "Globex",
    );
  });

  const acmePeople = () =>
    [
      { id: people.member, display_name: "Mia Member" },
      { id: people.moderator, display_name: "Mo Moderator" },
      { id: people.admin, display_name: "Ada Admin" },
      { id: people.colleague, display_name: "Colin Colleague" },
      { id: people.both, display_name: "Bea Both" },
    ].sort(byKey((row) => row.id));
  const acmeMemberships = () =>
    [
      { organization_id: acme, user_id: people.member, role: "org:member" },
      { organization_id: acme, user_id: people.moderator, role: "org:moderator" },
      { organization_id: acme, user_id: people.admin, role: "org:admin" },
      { organization_id: acme, user_id: people.colleague, role: "org:member" },
      { organization_id: acme, user_id: people.both, role: "org:member" },
    ].sort(byKey((row) => row.user_id));
  const globexIds = () => [people.globexMember, people.globexAdmin];

  describe.each(ROLES)("as Acme's $label", ({ label, orgRole }) => {
    const actor = () =>
      identityFor(people[label as "member" | "moderator" | "admin"], orgRole, acme);

    it("sees Acme's people, memberships and organization, with no WHERE", async () => {
      expect(
        (
          await rawAs(
            actor(),
            'select id, display_name from directory.users order by id collate "C"',
          )
        ).rows,
      ).toEqual(acmePeople());
      expect(
        (
          await rawAs(
            actor(),
            'select organization_id, user_id, role from directory.memberships order by user_id collate "C"',
          )
        ).rows,
      ).toEqual(acmeMemberships());
      expect(
        (await rawAs(actor(), "select id, name, slug from directory.organizations")).rows,
      ).toEqual([{ id: acme, name: "Acme", slug: acme }]);
    });

    it("sees nothing of Globex, even by naming its ids", async () => {
      expect(
        (
          await rawAs(actor(), "select id from directory.users where id = any($1::text[])", [
            globexIds(),
          ])
        ).rows,
      ).toEqual([]);
      expect(
        (
          await rawAs(
            actor(),
            "select user_id from directory.memberships where organization_id = $1",
            [globex],
          )
        ).rows,
      ).toEqual([]);
      expect(
        (await rawAs(actor(), "select id from directory.organizations where id = $1", [globex]))
          .rows,
      ).toEqual([]);
    });
  });

  it("a member may not read emails, in any shape: the column is not theirs", async () => {
    for (const identity of [
      identityFor(people.member, "org:member", acme),
      identityFor(people.member, null),
    ]) {
      for (const statement of [
        "select email from directory.users",
        "select * from directory.users",
        "select id from directory.users where email is not null",
        "select count(*) from directory.users where email like '%@%'",
        "select to_jsonb(u) from directory.users u",
      ]) {
        await expect(rawAs(identity, statement), statement).rejects.toMatchObject({
          code: "42501",
        });
      }
    }
  });

  it.each(["org:moderator", "org:admin"] as const)(
    "%s reads the emails of their organization's members only",
    async (orgRole) => {
      const reader = orgRole === "org:admin" ? people.admin : people.moderator;
      const { rows } = await rawAs(
        identityFor(reader, orgRole, acme),
        'select id, email from directory.users order by id collate "C"',
      );
      expect(rows).toEqual(acmePeople().map(({ id }) => ({ id, email: `${id}@example.com` })));
      const { rows: theirs } = await rawAs(
        identityFor(people.globexAdmin, "org:admin", globex),
        "select id, email from directory.users where id = any($1::text[])",
        [[people.member, people.admin]],
      );
      expect(theirs).toEqual([]);
    },
  );

  it("someone in two organizations sees the people of the active one only", async () => {
    const inGlobex = await rawAs(
      identityFor(people.both, "org:admin", globex),
      'select id from directory.users order by id collate "C"',
    );
    expect(inGlobex.rows.map((row) => row.id)).toEqual([people.both, ...globexIds()].sort());
    const memberships = await rawAs(
      identityFor(people.both, "org:admin", globex),
      "select organization_id, role from directory.memberships where user_id = $1",
      [people.both],
    );
    expect(memberships.rows).toEqual([{ organization_id: globex, role: "org:admin" }]);
  });

  it.each(BACKEND_ROLE_NAMES)(
    "in a personal workspace, on the %s connection, you see yourself and nothing else",
    async (backendRole) => {
      const identity: Identity = { ...identityFor(people.both, null), backendRole };
      expect((await rawAs(identity, "select id, display_name from directory.users")).rows).toEqual([
        { id: people.both, display_name: "Bea Both" },
      ]);
      expect((await rawAs(identity, "select 1 from directory.memberships")).rows).toEqual([]);
      expect((await rawAs(identity, "select 1 from directory.organizations")).rows).toEqual([]);
    },
  );

  it("someone the directory has not heard of sees no one, not even themselves", async () => {
    const newcomer = identityFor(user("newcomer"), null);
    expect((await rawAs(newcomer, "select id from directory.users")).rows).toEqual([]);
  });
});

describe("tombstones", () => {
  let tombOrg: string;
  const people = {} as Record<
    "member" | "moderator" | "admin" | "stays" | "deleted" | "removed",
    string
  >;

  beforeAll(async () => {
    tombOrg = org("tomb");
    for (const key of ["member", "moderator", "admin", "stays", "deleted", "removed"] as const)
      people[key] = user(key);
    await addMembers(tombOrg, [
      { userId: people.member, role: "org:member" },
      { userId: people.moderator, role: "org:moderator" },
      { userId: people.admin, role: "org:admin" },
      { userId: people.stays },
      { userId: people.deleted },
      { userId: people.removed },
    ]);
    await deleteUser(people.deleted);
    await removeMember(tombOrg, people.removed);
  });

  it.each(ROLES)(
    "a deleted person and an ended membership disappear from the view of the organization's $label",
    async ({ label, orgRole }) => {
      const actor = identityFor(
        people[label as "member" | "moderator" | "admin"],
        orgRole,
        tombOrg,
      );
      const { rows } = await rawAs(actor, 'select id from directory.users order by id collate "C"');
      expect(rows.map((row) => row.id)).toEqual(
        [people.member, people.moderator, people.admin, people.stays].sort(),
      );
      const { rows: memberships } = await rawAs(
        actor,
        "select user_id from directory.memberships where user_id = any($1::text[])",
        [[people.stays, people.removed]],
      );
      expect(memberships).toEqual([{ user_id: people.stays }]);
    },
  );

  it("a deleted person no longer sees even themselves; someone who left an organization still does", async () => {
    expect(
      (await rawAs(identityFor(people.deleted, null), "select id from directory.users")).rows,
    ).toEqual([]);
    expect(
      (await rawAs(identityFor(people.removed, null), "select id from directory.users")).rows,
    ).toEqual([{ id: people.removed }]);
  });

  it("the tombstone keeps the id and version but none of the details", async () => {
    const { rows } = await owner.query(
      "select display_name, email, image_url, deleted_at is not null as deleted from directory.users where id = $1",
      [people.deleted],
    );
    expect(rows).toEqual([{ display_name: null, email: null, image_url: null, deleted: true }]);
    const { rows: membership } = await owner.query(
      "select role, deleted_at is not null as deleted from directory.memberships where organization_id = $1 and user_id = $2",
      [tombOrg, people.removed],
    );
    expect(membership).toEqual([{ role: null, deleted: true }]);
  });
});

describe("writing the directory as a request role", () => {
  let acme: string;
  let me: string;
  let colleague: string;
  const forgedUser = freshUserId("forged");
  const forgedOrg = freshOrgId("forged");
  const messagePrefix = `msg_rls_${forgedUser}`;
  const knownMessage = `${messagePrefix}_known`;

  beforeAll(async () => {
    acme = org("write");
    me = user("writer");
    colleague = user("colleague");
    fixtures.users.push(forgedUser);
    fixtures.orgs.push(forgedOrg);
    await addMembers(acme, [
      { userId: me, role: "org:member" },
      { userId: colleague, role: "org:member" },
    ]);
    await owner.query("insert into directory.webhook_messages (id) values ($1)", [knownMessage]);
  });

  afterAll(async () => {
    await owner.query("delete from directory.webhook_messages where id like $1", [
      `${messagePrefix}%`,
    ]);
  });

  /** Every directory row the attacks could touch, forged ones included, in one value. */
  const directoryState = async () =>
    (
      await owner.query(
        `select
          (select json_agg(u order by u.id) from directory.users u where u.id = any($1::text[])) as users,
          (select json_agg(o order by o.id) from directory.organizations o where o.id = any($2::text[])) as organizations,
          (select json_agg(m order by m.organization_id, m.user_id) from directory.memberships m where m.organization_id = any($2::text[]) or m.user_id = any($1::text[])) as memberships,
          (select json_agg(w order by w.id) from directory.webhook_messages w where w.id like $3) as messages`,
        [[me, colleague, forgedUser], [acme, forgedOrg], `${messagePrefix}%`],
      )
    ).rows[0];

  const attacks = (): [string, unknown[]][] => [
    [
      "insert into directory.users (id, display_name, updated_at) values ($1, 'forged', now())",
      [forgedUser],
    ],
    ["update directory.users set display_name = 'forged', email = 'forged@evil.example'", []],
    ["update directory.users set deleted_at = now()", []],
    ["delete from directory.users", []],
    [
      "insert into directory.users (id, display_name, updated_at) values ($1, 'forged', now() + interval '1 year') on conflict (id) do update set display_name = excluded.display_name",
      [me],
    ],
    [
      "insert into directory.organizations (id, name, updated_at) values ($1, 'forged', now())",
      [forgedOrg],
    ],
    ["update directory.organizations set name = 'forged'", []],
    ["delete from directory.organizations", []],
    [
      "insert into directory.memberships (organization_id, user_id, role, updated_at) values ($1, $2, 'org:admin', now())",
      [forgedOrg, me],
    ],
    [
      "insert into directory.memberships (organization_id, user_id, role, updated_at) values ($1, $2, 'org:admin', now() + interval '1 year') on conflict (organization_id, user_id) do update set role = excluded.role",
      [acme, me],
    ],
    ["update directory.memberships set role = 'org:admin'", []],
    ["update directory.memberships set deleted_at = now()", []],
    ["delete from directory.memberships", []],
    ["insert into directory.webhook_messages (id) values ($1)", [`${messagePrefix}_forged`]],
    ["update directory.webhook_messages set received_at = now() - interval '30 days'", []],
    ["delete from directory.webhook_messages", []],
  ];

  const writers: { label: string; identity: () => Identity }[] = [
    ...ROLES.map(({ label, orgRole }) => ({
      label: `Acme's ${label}`,
      identity: () => identityFor(me, orgRole, acme),
    })),
    ...BACKEND_ROLE_NAMES.map((backendRole) => ({
      label: `a personal workspace on ${backendRole}`,
      identity: (): Identity => ({ ...identityFor(me, null), backendRole }),
    })),
  ];

  it.each(writers)("$label changes nothing, in any statement shape", async ({ identity }) => {
    const before = await directoryState();
    expect(before.users).toHaveLength(2);
    for (const [statement, params] of attacks()) {
      expect(["refused", 0], statement).toContain(await attempt(identity(), statement, params));
    }
    expect(await directoryState()).toEqual(before);
  });

  it.each(writers)(
    "$label cannot read which webhook messages were applied",
    async ({ identity }) => {
      for (const statement of [
        "select id from directory.webhook_messages",
        "select count(*) from directory.webhook_messages",
      ]) {
        await expect(rawAs(identity(), statement), statement).rejects.toMatchObject({
          code: "42501",
        });
      }
    },
  );
});

describe("the directory's writer", () => {
  let writer: Pool;

  beforeAll(() => {
    writer = createPool(process.env.DATABASE_DIRECTORY_URL!, { max: 1 });
  });

  afterAll(async () => {
    await writer.end();
  });

  /** Runs the statement and rolls it back, so a wrongly granted write could never damage the shared database; the error code, or "allowed". */
  async function asWriter(statement: string): Promise<string> {
    const client = await writer.connect();
    try {
      await client.query("begin");
      await client.query(statement);
      return "allowed";
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    } finally {
      await client.query("rollback");
      client.release();
    }
  }

  it("logs in and reads the directory (so the refusals below are about privileges)", async () => {
    expect(await asWriter("select count(*) from directory.users")).toBe("allowed");
  });

  const tables: { table: string; insert: string; update: string }[] = [
    {
      table: "public.todos",
      insert: "(tenant_id, user_id, task) values ('org_forged', 'user_forged', 'forged')",
      update: "set task = 'forged'",
    },
    {
      table: "public.todo_reviews",
      insert:
        "(todo_id, tenant_id, reviewer_id, verdict) values (1, 'org_forged', 'user_forged', 'approved')",
      update: "set note = 'forged'",
    },
    {
      table: "public.local_sessions",
      insert:
        "(id, user_id, expires_at) values ('sess_forged', 'user_forged', now() + interval '1 day')",
      update: "set ended_at = now()",
    },
    {
      table: "audit.audit_log",
      insert:
        "(tx_id, db_role, action, table_name, row_id) values (1, 'forged', 'delete', 'todos', 1)",
      update: "set actor = 'forged'",
    },
  ];

  it.each(tables)("may not read or write $table", async ({ table, insert, update }) => {
    for (const statement of [
      `select * from ${table}`,
      `select count(*) from ${table}`,
      `insert into ${table} ${insert}`,
      `update ${table} ${update}`,
      `delete from ${table}`,
    ]) {
      expect(await asWriter(statement), statement).toBe("42501");
    }
  });
});

describe("a todo of an organization belongs to a live member of it", () => {
  let acme: string;
  let admin: string;
  let alice: string;
  let carol: string;
  let outsider: string;
  let todoIds: number[];

  beforeEach(async () => {
    acme = org("owners");
    admin = user("admin");
    alice = user("alice");
    carol = user("carol");
    outsider = user("outsider");
    await addMembers(acme, [
      { userId: admin, role: "org:admin" },
      { userId: alice },
      { userId: carol },
    ]);
    await addMembers(org("elsewhere"), [{ userId: outsider, role: "org:admin" }]);
    todoIds = [];
    for (const ownerId of [alice, admin]) {
      const { rows } = await owner.query(
        "insert into todos (tenant_id, user_id, task) values ($1, $2, 'reassign me') returning id",
        [acme, ownerId],
      );
      todoIds.push(Number(rows[0].id));
    }
  });

  const asAdmin = () => identityFor(admin, "org:admin", acme);
  const ownersOf = async () =>
    (
      await owner.query("select user_id from todos where tenant_id = $1 order by id", [acme])
    ).rows.map((row) => row.user_id);

  /** The statement is refused by the owner check, and neither the todos nor the audit log changed. */
  async function expectRefused(statement: string, params: unknown[], identity = asAdmin()) {
    const before = await todosDigest(owner, todoIds);
    const since = await auditHighWater(owner);
    await expect(rawAs(identity, statement, params)).rejects.toMatchObject({
      code: "23503",
      constraint: "todos_owner_is_member",
    });
    expect(await todosDigest(owner, todoIds)).toEqual(before);
    expect(await auditCountSince(owner, since, todoIds)).toBe(0);
    expect(await ownersOf()).toEqual([alice, admin]);
  }

  it.each([
    ["a member of another organization", () => outsider],
    ["someone the directory has never heard of", () => freshUserId("unknown")],
  ])("reassigning every todo to %s, with no WHERE, is refused", async (_label, target) => {
    await expectRefused("update todos set user_id = $1", [target()]);
  });

  it.each([
    [
      "an upsert that passes as the admin's own todo, then changes the owner",
      "insert into todos (id, tenant_id, user_id, task) values ($2, $3, $4, 'x') on conflict (id) do update set user_id = $1",
    ],
    [
      "MERGE updating the organization's todos",
      "merge into todos t using (select unnest($2::bigint[]) as id) s on t.id = s.id when matched then update set user_id = $1",
    ],
    [
      "MERGE inserting",
      "merge into todos t using (select 1) s on false when not matched then insert (user_id, task) values ($1, 'merged')",
    ],
  ])("%s is refused too", async (_label, statement) => {
    const params = statement.includes("$4")
      ? [outsider, todoIds[0], acme, admin]
      : statement.includes("$2")
        ? [outsider, todoIds]
        : [outsider];
    await expectRefused(statement, params);
  });

  it.each([
    [
      "no subject",
      () =>
        Object.fromEntries(
          Object.entries(asAdmin().claims).filter(([claim]) => claim !== "sub"),
        ) as Identity["claims"],
    ],
    ["an empty subject", () => ({ ...asAdmin().claims, sub: "" })],
  ])(
    "a request whose claims carry %s is still a request: the check applies",
    async (_label, claims) => {
      // The admin policies ask only for the organization, so such a request can write todos; the owner check must not take it for the owner's setup work.
      await expectRefused("update todos set user_id = $1", [outsider], {
        ...asAdmin(),
        claims: claims(),
      });
    },
  );

  it.each(ROLES)(
    "the organization's $label cannot ask the database who is a member of another organization",
    async ({ orgRole }) => {
      await expect(
        rawAs(identityFor(admin, orgRole, acme), "select directory.is_live_member($1, $2)", [
          freshOrgId("probe"),
          outsider,
        ]),
      ).rejects.toMatchObject({ code: "42501" });
    },
  );

  it("reassigning to a live member succeeds", async () => {
    expect((await rawAs(asAdmin(), "update todos set user_id = $1", [carol])).rowCount).toBe(2);
    expect(await ownersOf()).toEqual([carol, carol]);
  });

  it("one row going to a non-member refuses the whole statement", async () => {
    await expectRefused("update todos set user_id = case when user_id = $1 then $2 else $3 end", [
      alice,
      carol,
      outsider,
    ]);
  });

  it("reassigning to someone whose membership ended is refused, and allowed again once they rejoin", async () => {
    await removeMember(acme, carol);
    await expectRefused("update todos set user_id = $1", [carol]);
    await addMembers(acme, [{ userId: carol }]);
    expect((await rawAs(asAdmin(), "update todos set user_id = $1", [carol])).rowCount).toBe(2);
  });

  it("reassigning to a deleted person is refused, though their membership was never ended", async () => {
    await deleteUser(carol);
    await expectRefused("update todos set user_id = $1", [carol]);
  });

  it("an admin creating a todo for a non-member is refused; for a member it is not", async () => {
    await expectRefused("insert into todos (user_id, task) values ($1, 'assigned')", [outsider]);
    expect(
      (
        await owner.query(
          "select count(*)::int as n from todos where tenant_id = $1 and user_id = $2",
          [acme, outsider],
        )
      ).rows[0].n,
    ).toBe(0);
    expect(
      (await rawAs(asAdmin(), "insert into todos (user_id, task) values ($1, 'assigned')", [carol]))
        .rowCount,
    ).toBe(1);
  });

  it.each(ROLES)(
    "the organization's $label creates their own todos with no directory rows at all",
    async ({ orgRole }) => {
      const quiet = org("nodirectory");
      const me = user("quiet");
      const identity = identityFor(me, orgRole, quiet);
      expect((await rawAs(identity, "insert into todos (task) values ('mine')")).rowCount).toBe(1);
      expect(
        (await rawAs(identity, "insert into todos (user_id, task) values ($1, 'mine too')", [me]))
          .rowCount,
      ).toBe(1);
      const { rows } = await owner.query(
        "select tenant_id, user_id from todos where tenant_id = $1",
        [quiet],
      );
      expect(rows).toEqual([
        { tenant_id: quiet, user_id: me },
        { tenant_id: quiet, user_id: me },
      ]);
    },
  );
});
