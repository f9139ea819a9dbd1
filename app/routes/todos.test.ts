import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { importJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRolePools } from "../../db/pools.server";
import { freshUserId, ownerPool } from "../../db/testing/identities";
import { DEMO_IDENTITIES, DEMO_ORG_ID } from "../../db/demo-identities";
import { closeDirectoryPool } from "../../db/directory/apply.server";
import { addMembers, removeMember } from "../../db/testing/directory";
import { LOCAL_ISSUER } from "../auth/local-idp.server";
import { localDataDir } from "../../db/local/data-dir";
import { storeLocalToken } from "../auth/session.server";
import { action, loader } from "./todos";
import { URL_BASE, args, formPost, settle, signInAs } from "../testing/routes";

const ALICE = "user_alice";
const BOB = "user_bob";
const MAYA = "user_maya";
const NOT_FOUND = "Not found: that todo does not exist or is not yours to change.";

const owner = ownerPool();
// Ids come from an identity column, so every row this file creates has a
// larger id than any row that existed before it; cleanup removes only those
// and leaves whatever the demo users already had.
let idFloor = 0;
let aliceCookie: string;
let bobCookie: string;
let mayaCookie: string;

function post(cookie: string | null, fields: Record<string, string>, url = `${URL_BASE}/todos`) {
  return formPost(url, fields, cookie);
}

function get(cookie: string | null, url = `${URL_BASE}/todos`) {
  return new Request(url, { headers: cookie ? { Cookie: cookie } : {} });
}

const cookiePair = (setCookie: string | null) => {
  expect(setCookie).toMatch(/^__warden_session=/);
  return setCookie!.split(";")[0];
};

/**
 * A session cookie the app itself would accept, holding a token we signed
 * with the local key, and a live server-side session for it: only the
 * token's own claims decide.
 */
async function cookieForToken(claims: { exp: number; iat: number }) {
  const { privateJwk } = JSON.parse(
    readFileSync(path.join(localDataDir(), "idp", "es256.json"), "utf8"),
  );
  const sid = `sess_${randomUUID()}`;
  await owner.query(
    "insert into local_sessions (id, user_id, expires_at) values ($1, $2, now() + interval '1 hour')",
    [sid, ALICE],
  );
  const token = await new SignJWT({ v: 2, sid, o: { id: DEMO_ORG_ID, rol: "member" }, ...claims })
    .setProtectedHeader({ alg: "ES256", kid: privateJwk.kid, typ: "JWT" })
    .setIssuer(LOCAL_ISSUER)
    .setSubject(ALICE)
    .sign(await importJWK(privateJwk, "ES256"));
  return cookiePair(await storeLocalToken(get(null), token));
}

type Row = { id: number; user_id: string; task: string; is_complete: boolean };

async function ownerRow(id: number): Promise<Row | null> {
  const { rows } = await owner.query(
    "select id::int as id, user_id, task, is_complete from todos where id = $1",
    [id],
  );
  return (rows[0] as Row | undefined) ?? null;
}

/** A person's todos in the organization the signed-in demo identities act in. */
async function ownerRowsOf(userId: string): Promise<Row[]> {
  const { rows } = await owner.query(
    "select id::int as id, user_id, task, is_complete from todos where tenant_id = $1 and user_id = $2 order by id",
    [DEMO_ORG_ID, userId],
  );
  return rows as Row[];
}

/** The whole table in one value: a refused request must leave every row, not only the count, as it was. */
async function tableState(): Promise<{ n: number; digest: string }> {
  const { rows } = await owner.query(
    "select count(*)::int as n, coalesce(md5(string_agg(id || ':' || user_id || ':' || task || ':' || is_complete, ',' order by id)), '') as digest from todos",
  );
  return rows[0] as { n: number; digest: string };
}

/** Creates a todo the way the browser does, then finds it behind RLS's back. */
async function createAs(cookie: string, userId: string, label = "todo"): Promise<Row> {
  const task = `route test ${label} ${randomUUID()}`;
  const { response } = await settle(() => action(args(post(cookie, { intent: "create", task }))));
  expect(response.status).toBe(303);
  const { rows } = await owner.query(
    "select id::int as id, user_id, task, is_complete from todos where task = $1",
    [task],
  );
  expect(rows).toHaveLength(1);
  expect(rows[0].user_id).toBe(userId);
  return rows[0] as Row;
}

beforeAll(async () => {
  const { rows } = await owner.query("select coalesce(max(id), 0)::bigint::text as max from todos");
  idFloor = Number(rows[0].max);
  aliceCookie = await signInAs(ALICE);
  bobCookie = await signInAs(BOB);
  mayaCookie = await signInAs(MAYA);
});

afterAll(async () => {
  await owner.query("delete from todos where user_id = any($1::text[]) and id > $2", [
    [ALICE, BOB, MAYA, ...directoryPeople],
    idFloor,
  ]);
  await owner.query(
    "delete from directory.memberships where organization_id = $1 and user_id = any($2::text[])",
    [DEMO_ORG_ID, directoryPeople],
  );
  await owner.query("delete from directory.users where id = any($1::text[])", [directoryPeople]);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

/** Everyone the "names" tests put into Acme's directory, taken out again at the end. */
const directoryPeople: string[] = [];

describe("create", () => {
  it("stores a trimmed task for the signed-in user and redirects back with 303", async () => {
    const task = `route test create ${randomUUID()}`;
    const { thrown, response } = await settle(() =>
      action(args(post(aliceCookie, { intent: "create", task: `   ${task}  ` }))),
    );
    expect(thrown).toBe(false);
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/todos");

    const { rows } = await owner.query(
      "select user_id, task, is_complete from todos where task = $1",
      [task],
    );
    expect(rows).toEqual([{ user_id: ALICE, task, is_complete: false }]);
  });

  it("ignores a user_id smuggled into the form: the owner comes from the token", async () => {
    const task = `route test smuggle ${randomUUID()}`;
    const { response } = await settle(() =>
      action(args(post(aliceCookie, { intent: "create", task, user_id: BOB }))),
    );
    expect(response.status).toBe(303);
    const { rows } = await owner.query("select user_id from todos where task = $1", [task]);
    expect(rows).toEqual([{ user_id: ALICE }]);
  });

  it("keeps the query string in the redirect", async () => {
    const { response } = await settle(() =>
      action(
        args(
          post(
            aliceCookie,
            { intent: "create", task: `route test query ${randomUUID()}` },
            `${URL_BASE}/todos?filter=open`,
          ),
        ),
      ),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/todos?filter=open");
  });
});

describe("invalid forms are refused with 400 and change nothing", () => {
  let aliceRow: Row;
  beforeAll(async () => {
    aliceRow = await createAs(aliceCookie, ALICE, "400 target");
  });

  const cases: [
    name: string,
    fields: () => Record<string, string>,
    body: () => Record<string, string>,
  ][] = [
    [
      "an empty task",
      () => ({ intent: "create", task: "" }),
      () => ({ error: "Enter a task.", intent: "create", field: "task" }),
    ],
    [
      "a whitespace-only task",
      () => ({ intent: "create", task: "   " }),
      () => ({ error: "Enter a task.", intent: "create", field: "task" }),
    ],
    [
      "a 501-character task",
      () => ({ intent: "create", task: "x".repeat(501) }),
      () => ({ error: "A task can be at most 500 characters.", intent: "create", field: "task" }),
    ],
    [
      "an update to an empty task",
      () => ({ intent: "update", id: String(aliceRow.id), task: "  " }),
      () => ({ error: "Enter a task.", intent: "update", id: String(aliceRow.id), field: "task" }),
    ],
    [
      "a toggle without id",
      () => ({ intent: "toggle" }),
      () => ({ error: "Missing todo id.", intent: "toggle", field: "id" }),
    ],
    [
      "a delete without id",
      () => ({ intent: "delete" }),
      () => ({ error: "Missing todo id.", intent: "delete", field: "id" }),
    ],
    [
      "a non-numeric id",
      () => ({ intent: "toggle", id: "abc" }),
      () => ({
        error: "The todo id must be a positive whole number.",
        intent: "toggle",
        id: "abc",
        field: "id",
      }),
    ],
    [
      "a fractional id",
      () => ({ intent: "delete", id: "1.5" }),
      () => ({
        error: "The todo id must be a positive whole number.",
        intent: "delete",
        id: "1.5",
        field: "id",
      }),
    ],
    [
      "an unknown intent",
      () => ({ intent: "archive", id: String(aliceRow.id) }),
      () => ({
        error: "Unknown action.",
        intent: "archive",
        id: String(aliceRow.id),
        field: "intent",
      }),
    ],
    [
      "no intent",
      () => ({ task: "orphan" }),
      () => ({ error: "Unknown action.", field: "intent" }),
    ],
  ];

  it.each(cases)("%s", async (_name, fields, body) => {
    const before = await tableState();
    const { thrown, response } = await settle(() => action(args(post(aliceCookie, fields()))));
    expect(thrown).toBe(false);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(body());
    expect(await tableState()).toEqual(before);
    expect(await ownerRow(aliceRow.id)).toEqual(aliceRow);
  });
});

describe("another user's todo is not found", () => {
  let aliceRow: Row;
  beforeAll(async () => {
    aliceRow = await createAs(aliceCookie, ALICE, "bob's target");
  });

  it.each([
    ["toggle", {}],
    ["update", { task: "taken over by bob" }],
    ["delete", {}],
  ])("bob's %s answers 404 and leaves alice's row alone", async (intent, extra) => {
    const before = await tableState();
    const { thrown, response } = await settle(() =>
      action(args(post(bobCookie, { intent, id: String(aliceRow.id), ...extra }))),
    );
    expect(thrown).toBe(false);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: NOT_FOUND, intent, id: String(aliceRow.id) });
    expect(await ownerRow(aliceRow.id)).toEqual(aliceRow);
    expect(await tableState()).toEqual(before);
  });

  it("an id that does not exist answers the same 404 as someone else's", async () => {
    const { rows } = await owner.query("select coalesce(max(id), 0)::int + 1000 as id from todos");
    const { response } = await settle(() =>
      action(args(post(aliceCookie, { intent: "toggle", id: String(rows[0].id) }))),
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: NOT_FOUND,
      intent: "toggle",
      id: String(rows[0].id),
    });
  });
});

describe("alice changes her own todos", () => {
  it("toggle flips is_complete, both ways", async () => {
    const row = await createAs(aliceCookie, ALICE, "toggle");
    expect(row.is_complete).toBe(false);

    const first = await settle(() =>
      action(args(post(aliceCookie, { intent: "toggle", id: String(row.id) }))),
    );
    expect(first.response.status).toBe(303);
    expect(await ownerRow(row.id)).toEqual({ ...row, is_complete: true });

    const second = await settle(() =>
      action(args(post(aliceCookie, { intent: "toggle", id: String(row.id) }))),
    );
    expect(second.response.status).toBe(303);
    expect(await ownerRow(row.id)).toEqual({ ...row, is_complete: false });
  });

  it("update replaces the task with the trimmed text", async () => {
    const row = await createAs(aliceCookie, ALICE, "update");
    const { response } = await settle(() =>
      action(
        args(
          post(aliceCookie, {
            intent: "update",
            id: String(row.id),
            task: "  Renamed by alice \n",
          }),
        ),
      ),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/todos");
    expect(await ownerRow(row.id)).toEqual({ ...row, task: "Renamed by alice" });
  });

  it("delete removes only that row", async () => {
    const row = await createAs(aliceCookie, ALICE, "delete");
    const keep = await createAs(aliceCookie, ALICE, "keep");
    const { response } = await settle(() =>
      action(args(post(aliceCookie, { intent: "delete", id: String(row.id) }))),
    );
    expect(response.status).toBe(303);
    expect(await ownerRow(row.id)).toBeNull();
    expect(await ownerRow(keep.id)).toEqual(keep);
  });
});

describe("without a session", () => {
  const signInLocation = `/sign-in?returnTo=${encodeURIComponent("/todos?filter=open")}`;

  it("the loader throws a redirect to sign in that remembers where the user was going", async () => {
    const { thrown, response } = await settle(() =>
      loader(args(get(null, `${URL_BASE}/todos?filter=open`))),
    );
    expect(thrown).toBe(true);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(signInLocation);
  });

  it("the action throws the same redirect and writes nothing", async () => {
    const before = await tableState();
    const { thrown, response } = await settle(() =>
      action(
        args(post(null, { intent: "create", task: "anonymous" }, `${URL_BASE}/todos?filter=open`)),
      ),
    );
    expect(thrown).toBe(true);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(signInLocation);
    expect(await tableState()).toEqual(before);
  });

  it("a cookie whose signature was tampered with counts as no session", async () => {
    const [name, value] = aliceCookie.split("=");
    const tampered = `${name}=${value.slice(0, -3)}${value.endsWith("AAA") ? "BBB" : "AAA"}`;
    const { thrown, response } = await settle(() => loader(args(get(tampered))));
    expect(thrown).toBe(true);
    expect(response.headers.get("Location")).toBe(
      `/sign-in?returnTo=${encodeURIComponent("/todos")}`,
    );
  });
});

describe("a session holding an expired token", () => {
  const now = () => Math.floor(Date.now() / 1000);

  it("makes the loader throw 401", async () => {
    const cookie = await cookieForToken({ iat: now() - 3600, exp: now() - 600 });
    const { thrown, response } = await settle(() => loader(args(get(cookie))));
    expect(thrown).toBe(true);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      message: "Your session is no longer valid. Please sign in again.",
    });
  });

  it("makes the action throw 401 and write nothing", async () => {
    const cookie = await cookieForToken({ iat: now() - 3600, exp: now() - 600 });
    const before = await tableState();
    const { thrown, response } = await settle(() =>
      action(args(post(cookie, { intent: "create", task: "too late" }))),
    );
    expect(thrown).toBe(true);
    expect(response.status).toBe(401);
    expect(await tableState()).toEqual(before);
  });

  it("is refused for its expiry alone: the same token, unexpired, is accepted", async () => {
    const cookie = await cookieForToken({ iat: now(), exp: now() + 600 });
    const { thrown, response } = await settle(() => loader(args(get(cookie))));
    expect(thrown).toBe(false);
    expect(response.status).toBe(200);
    expect((await response.json()).userId).toBe(ALICE);
  });
});

describe("loader", () => {
  let aliceRows: Row[];
  let bobRow: Row;
  beforeAll(async () => {
    await createAs(aliceCookie, ALICE, "listed 1");
    await createAs(aliceCookie, ALICE, "listed 2");
    bobRow = await createAs(bobCookie, BOB, "hidden from alice");
    aliceRows = await ownerRowsOf(ALICE);
  });

  it("returns exactly alice's todos, as authenticated_backend, all of them modifiable", async () => {
    const { thrown, response } = await settle(() => loader(args(get(aliceCookie))));
    expect(thrown).toBe(false);
    expect(response.status).toBe(200);
    const data = (await response.json()) as {
      userId: string;
      databaseRole: string;
      todos: { id: number; userId: string }[];
      modifiable: number[];
    };

    expect(data.userId).toBe(ALICE);
    expect(data.databaseRole).toBe("authenticated_backend");
    expect(aliceRows.length).toBeGreaterThanOrEqual(2);
    const ids = data.todos.map((todo) => todo.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(aliceRows.map((row) => row.id));
    expect(data.todos.every((todo) => todo.userId === ALICE)).toBe(true);
    expect(ids).not.toContain(bobRow.id);
    expect([...data.modifiable].sort((a, b) => a - b)).toEqual(aliceRows.map((row) => row.id));
  });

  it("shows bob his own row and not alice's", async () => {
    const { response } = await settle(() => loader(args(get(bobCookie))));
    const data = (await response.json()) as {
      userId: string;
      todos: { id: number; userId: string }[];
    };
    expect(data.userId).toBe(BOB);
    expect(data.todos.map((todo) => todo.id)).toContain(bobRow.id);
    expect(data.todos.every((todo) => todo.userId === BOB)).toBe(true);
  });
});

describe("the list names people", () => {
  const departed = freshUserId("departed");
  let reviewed: Row;
  let departedsTodo: number;
  beforeAll(async () => {
    // Acme's directory as the seed writes it, and a moderator who has since left.
    const acme = DEMO_IDENTITIES.flatMap((person) =>
      person.memberships
        .filter((m) => m.orgId === DEMO_ORG_ID)
        .map((m) => ({ userId: person.userId, name: person.name, role: m.role })),
    );
    directoryPeople.push(...acme.map((person) => person.userId), departed);
    await addMembers(
      DEMO_ORG_ID,
      [...acme, { userId: departed, name: "Dee Parted", role: "org:moderator" }],
      "Acme",
    );
    await removeMember(DEMO_ORG_ID, departed);
    reviewed = await createAs(aliceCookie, ALICE, "reviewed twice");
    await owner.query(
      "insert into todo_reviews (todo_id, reviewer_id, verdict, reason) values ($1, $2, 'approved', null), ($1, $3, 'flagged', 'spam')",
      [reviewed.id, departed, MAYA],
    );
    const { rows } = await owner.query(
      "insert into todos (user_id, task) values ($1, 'left behind') returning id::int as id",
      [departed],
    );
    departedsTodo = rows[0].id;
  });

  type Listed = {
    id: number;
    userId: string;
    ownerName: string | null;
    reviewerId: string | null;
    reviewerName: string | null;
  };

  // A member may not read the directory's email column: a query that named it would fail the whole page.
  it("alice, a member, sees her own name and her reviewer's, and is offered nobody to pick", async () => {
    const { thrown, response } = await settle(() => loader(args(get(aliceCookie))));
    expect(thrown).toBe(false);
    const data = (await response.json()) as { todos: Listed[]; members: unknown[] };
    expect(data.todos.find((todo) => todo.id === reviewed.id)).toMatchObject({
      ownerName: "Alice",
      reviewerId: MAYA,
      reviewerName: "Maya",
    });
    expect(data.members).toEqual([]);
  });

  it("maya, a moderator, sees owners by name, a former member's as null, and is offered Acme's members", async () => {
    const data = (await (await settle(() => loader(args(get(mayaCookie))))).response.json()) as {
      todos: Listed[];
      members: { id: string; name: string }[];
    };
    expect(data.todos.find((todo) => todo.id === reviewed.id)).toMatchObject({
      ownerName: "Alice",
      reviewerName: "Maya",
    });
    expect(data.todos.find((todo) => todo.id === departedsTodo)).toMatchObject({
      userId: departed,
      ownerName: null,
    });
    const demo = data.members.filter((member) => directoryPeople.includes(member.id));
    expect(demo.map((member) => member.name)).toEqual(["Adam", "Alice", "Bob", "Maya", "Rita"]);
  });
});

describe("loader for a moderator", () => {
  // Alice's and Bob's modifiable lists equal their visible lists, so only a
  // role that reads more than it may change shows that `modifiable` is
  // decided by Postgres and not copied from `todos`.
  it("lists other users' todos but marks only maya's own as modifiable", async () => {
    const alices = await createAs(aliceCookie, ALICE, "seen by maya");
    const mayas = await createAs(mayaCookie, MAYA, "maya's own");
    const { response } = await settle(() => loader(args(get(mayaCookie))));
    const data = (await response.json()) as {
      databaseRole: string;
      todos: { id: number }[];
      modifiable: number[];
    };

    expect(data.databaseRole).toBe("moderator_backend");
    expect(data.todos.map((todo) => todo.id)).toEqual(
      expect.arrayContaining([alices.id, mayas.id]),
    );
    expect(data.modifiable).toContain(mayas.id);
    expect(data.modifiable).not.toContain(alices.id);
  });
});
