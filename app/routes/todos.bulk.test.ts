import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ORG_ID } from "../../db/demo-identities";
import { closeDirectoryPool } from "../../db/directory/apply.server";
import { closeRolePools } from "../../db/pools.server";
import { addMembers, removeMember, type Person } from "../../db/testing/directory";
import { freshUserId, ownerPool } from "../../db/testing/identities";
import { loader } from "./todos";
import { action } from "./todos.bulk";
import { URL_BASE, args, formPost, settle, signInAs } from "../testing/routes";
import * as checks from "../../db/testing/owner-checks";

const ALICE = "user_alice";
const BOB = "user_bob";
const MAYA = "user_maya";
const ADAM = "user_adam";
const FORBIDDEN = { message: "Only admins can edit todos in bulk." };

const owner = ownerPool();
const snapshot = (ids: number[]) => checks.todosDigest(owner, ids);
const auditHighWater = () => checks.auditHighWater(owner);
const auditCountSince = (since: number, ids: number[]) => checks.auditCountSince(owner, since, ids);
// Every todo this file makes (alice's included), so cleanup leaves the demo users' own rows alone.
const created: number[] = [];
const cookies: Record<string, string> = {};
// Everyone this file puts into Acme's directory, taken out again at the end.
const members: string[] = [];

/** Makes people members of Acme, where Adam is admin: only members may be given its todos. */
async function join(...people: Person[]) {
  members.push(...people.map((person) => person.userId));
  await addMembers(DEMO_ORG_ID, people, "Acme");
}

function post(cookie: string, fields: [string, string][], url = `${URL_BASE}/todos/bulk`) {
  return formPost(url, fields, cookie);
}

const get = (cookie: string, url = `${URL_BASE}/todos`) =>
  new Request(url, { headers: { Cookie: cookie } });

async function seed(userId: string, n: number): Promise<number[]> {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) select $1, $2 || ' ' || g from generate_series(1, $3::int) g returning id",
    [userId, `bulk route ${randomUUID().slice(0, 8)}`, n],
  );
  const ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  created.push(...ids);
  // Without fresh statistics (say, after autovacuum saw the table empty) the
  // planner takes todos for empty and a filter target turns quadratic.
  if (n >= 1_000) await owner.query("analyze todos");
  return ids;
}

async function completeCount(ids: number[]): Promise<number> {
  const { rows } = await owner.query(
    "select count(*)::int as n from todos where id = any($1::bigint[]) and is_complete",
    [ids],
  );
  return rows[0].n;
}

const idFields = (ids: number[]): [string, string][] => ids.map((id) => ["id", String(id)]);

beforeAll(async () => {
  for (const userId of [ALICE, BOB, MAYA, ADAM]) cookies[userId] = await signInAs(userId);
});

afterAll(async () => {
  await owner.query("delete from todos where id = any($1::bigint[])", [created]);
  // The log is append-only for the app's roles, not for the owner: test entries would otherwise pile up run after run.
  await owner.query("delete from audit.audit_log where todo_id = any($1::bigint[])", [created]);
  await owner.query(
    "delete from directory.memberships where organization_id = $1 and user_id = any($2::text[])",
    [DEMO_ORG_ID, members],
  );
  await owner.query("delete from directory.users where id = any($1::text[])", [members]);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

describe("only admins reach a bulk action", () => {
  let aliceIds: number[];
  let filterOwner: string;
  let filterIds: number[];
  beforeAll(async () => {
    aliceIds = await seed(ALICE, 3);
    filterOwner = freshUserId("filtered");
    filterIds = await seed(filterOwner, 3);
  });

  // A crafted post: the page never offers these users the bulk bar.
  const posts: [name: string, fields: () => [string, string][], url: () => string][] = [
    [
      "complete of alice's ids",
      () => [["intent", "bulk"], ["action", "complete"], ...idFields(aliceIds)],
      () => `${URL_BASE}/todos/bulk`,
    ],
    [
      "confirmed delete of alice's ids",
      () => [["intent", "bulk"], ["action", "delete"], ["confirmed", "yes"], ...idFields(aliceIds)],
      () => `${URL_BASE}/todos/bulk`,
    ],
    [
      "complete of the whole filter",
      () => [
        ["intent", "bulk"],
        ["action", "complete"],
        ["scope", "filter"],
      ],
      () => `${URL_BASE}/todos/bulk?owner=${filterOwner}`,
    ],
    [
      "confirmed reassign of the whole filter",
      () => [
        ["intent", "bulk"],
        ["action", "reassign"],
        ["scope", "filter"],
        ["owner", ALICE],
        ["confirmed", "yes"],
      ],
      () => `${URL_BASE}/todos/bulk?owner=${filterOwner}`,
    ],
    // Who may bulk-edit is answered before the form is judged: no 400 hints for those who may not.
    [
      "a malformed bulk form",
      () => [
        ["intent", "bulk"],
        ["action", "explode"],
      ],
      () => `${URL_BASE}/todos/bulk`,
    ],
  ];

  describe.each([
    ["alice (member, owns the rows)", ALICE],
    ["bob (member)", BOB],
    ["maya (moderator)", MAYA],
  ])("%s", (_name, userId) => {
    it.each(posts)("%s: thrown 403, nothing changed", async (_post, fields, url) => {
      const all = [...aliceIds, ...filterIds];
      const before = await snapshot(all);
      const since = await auditHighWater();
      const { thrown, response } = await settle(() =>
        action(args(post(cookies[userId], fields(), url()))),
      );
      expect(thrown).toBe(true);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual(FORBIDDEN);
      expect(await snapshot(all)).toEqual(before);
      expect(await auditCountSince(since, all)).toBe(0);
    });
  });
});

describe("admin: complete of the selected rows", () => {
  it("redirects 303 with a flash that the next loader shows once and clears", async () => {
    const ids = await seed(freshUserId("selected"), 3);
    const [untouched] = await seed(freshUserId("unselected"), 1);
    const { thrown, response } = await settle(() =>
      action(
        args(
          post(
            cookies[ADAM],
            [["intent", "bulk"], ["action", "complete"], ...idFields(ids)],
            `${URL_BASE}/todos/bulk?status=open`,
          ),
        ),
      ),
    );
    expect(thrown).toBe(false);
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/todos?status=open");
    expect(await completeCount(ids)).toBe(3);
    expect(await completeCount([untouched])).toBe(0);

    const setCookie = response.headers.get("Set-Cookie");
    expect(setCookie).toMatch(/^__warden_flash=/);
    const flash = setCookie!.split(";")[0];

    const next = await settle(() => loader(args(get(`${cookies[ADAM]}; ${flash}`))));
    expect(next.thrown).toBe(false);
    expect(next.response.status).toBe(200);
    expect((await next.response.json()).flash).toEqual({
      text: "Marked 3 todos complete.",
      undo: expect.any(Number),
    });
    const clear = next.response.headers.get("Set-Cookie");
    expect(clear).toMatch(/^__warden_flash=[^;]*;/);
    expect(clear).toMatch(/Max-Age=0/i);

    // The browser drops the cleared cookie, so the request after that carries none.
    const after = await settle(() => loader(args(get(cookies[ADAM]))));
    expect((await after.response.json()).flash).toBeNull();
    expect(after.response.headers.get("Set-Cookie")).toBeNull();
  });

  it("counts only rows that changed, in the singular for one", async () => {
    const ids = await seed(freshUserId("half"), 2);
    await owner.query("update todos set is_complete = true where id = $1", [ids[0]]);
    const { response } = await settle(() =>
      action(
        args(post(cookies[ADAM], [["intent", "bulk"], ["action", "complete"], ...idFields(ids)])),
      ),
    );
    expect(response.status).toBe(303);
    const flash = response.headers.get("Set-Cookie")!.split(";")[0];
    const next = await settle(() => loader(args(get(`${cookies[ADAM]}; ${flash}`))));
    expect((await next.response.json()).flash).toEqual({
      text: "Marked 1 todo complete.",
      undo: expect.any(Number),
    });
  });
});

describe("admin: delete asks first", () => {
  it("without confirmed: 200 with the count of matching rows, nothing deleted", async () => {
    const ids = await seed(freshUserId("doomed"), 3);
    const { rows } = await owner.query(
      "select coalesce(max(id), 0)::int + 1000000 as id from todos",
    );
    const missing = rows[0].id as number;
    const before = await snapshot(ids);
    const { thrown, response } = await settle(() =>
      action(
        args(
          post(cookies[ADAM], [
            ["intent", "bulk"],
            ["action", "delete"],
            ...idFields([...ids, missing]),
          ]),
        ),
      ),
    );
    expect(thrown).toBe(false);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      intent: "bulk",
      confirm: { action: "delete", count: 3, scope: "selected", ids: [...ids, missing] },
    });
    expect(await snapshot(ids)).toEqual(before);
  });

  it("with confirmed=yes: the rows are deleted", async () => {
    const ids = await seed(freshUserId("doomed"), 3);
    const [kept] = await seed(freshUserId("kept"), 1);
    const { response } = await settle(() =>
      action(
        args(
          post(cookies[ADAM], [
            ["intent", "bulk"],
            ["action", "delete"],
            ["confirmed", "yes"],
            ...idFields(ids),
          ]),
        ),
      ),
    );
    expect(response.status).toBe(303);
    expect((await snapshot(ids)).n).toBe(0);
    expect((await snapshot([kept])).n).toBe(1);
    const flash = response.headers.get("Set-Cookie")!.split(";")[0];
    expect(
      (await (await settle(() => loader(args(get(`${cookies[ADAM]}; ${flash}`))))).response.json())
        .flash,
    ).toEqual({ text: "Deleted 3 todos.", undo: expect.any(Number) });
  });

  it("for the whole filter: the count comes from the URL's filter", async () => {
    const filterOwner = freshUserId("doomed");
    const ids = await seed(filterOwner, 4);
    await owner.query("update todos set is_complete = true where id = any($1::bigint[])", [
      ids.slice(0, 1),
    ]);
    const before = await snapshot(ids);
    const { response } = await settle(() =>
      action(
        args(
          post(
            cookies[ADAM],
            [
              ["intent", "bulk"],
              ["action", "delete"],
              ["scope", "filter"],
            ],
            `${URL_BASE}/todos/bulk?owner=${filterOwner}&status=open`,
          ),
        ),
      ),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      intent: "bulk",
      confirm: { action: "delete", count: 3, scope: "filter", ids: [] },
    });
    expect(await snapshot(ids)).toEqual(before);
  });
});

describe("admin: scope=filter", () => {
  it("takes the filter from the request URL and leaves everything else alone", async () => {
    const target = freshUserId("target");
    const ids = await seed(target, 5);
    const otherIds = await seed(freshUserId("other"), 2);
    const othersBefore = await snapshot(otherIds);
    const { response } = await settle(() =>
      action(
        args(
          post(
            cookies[ADAM],
            [
              ["intent", "bulk"],
              ["action", "complete"],
              ["scope", "filter"],
              ...idFields(otherIds),
            ],
            `${URL_BASE}/todos/bulk?owner=${target}`,
          ),
        ),
      ),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(`/todos?owner=${target}`);
    expect(await completeCount(ids)).toBe(5);
    // Ids posted alongside scope=filter are not the target.
    expect(await snapshot(otherIds)).toEqual(othersBefore);
  });

  it("a confirmed reassign moves the filter's rows to a member, and says so by name", async () => {
    const from = freshUserId("from");
    const to = freshUserId("to");
    await join({ userId: to, name: "Toni Tester" });
    const ids = await seed(from, 2);
    const { response } = await settle(() =>
      action(
        args(
          post(
            cookies[ADAM],
            [
              ["intent", "bulk"],
              ["action", "reassign"],
              ["scope", "filter"],
              ["owner", to],
              ["confirmed", "yes"],
            ],
            `${URL_BASE}/todos/bulk?owner=${from}`,
          ),
        ),
      ),
    );
    expect(response.status).toBe(303);
    const { rows } = await owner.query(
      "select distinct user_id from todos where id = any($1::bigint[])",
      [ids],
    );
    expect(rows).toEqual([{ user_id: to }]);
    const flash = response.headers.get("Set-Cookie")!.split(";")[0];
    expect(
      (await (await settle(() => loader(args(get(`${cookies[ADAM]}; ${flash}`))))).response.json())
        .flash,
    ).toEqual({ text: `Reassigned 2 todos to Toni Tester (${to}).`, undo: expect.any(Number) });
  });

  it("a malformed filter in the URL is a 400, nothing changed", async () => {
    const ids = await seed(freshUserId("target"), 2);
    const before = await snapshot(ids);
    const { thrown, response } = await settle(() =>
      action(
        args(
          post(
            cookies[ADAM],
            [
              ["intent", "bulk"],
              ["action", "complete"],
              ["scope", "filter"],
            ],
            `${URL_BASE}/todos/bulk?status=maybe`,
          ),
        ),
      ),
    );
    expect(thrown).toBe(false);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      intent: "bulk",
      error: "Status must be open or complete.",
    });
    expect(await snapshot(ids)).toEqual(before);
  });
});

describe("admin: reassign goes only to a member of the organization", () => {
  const reassign = (owner: string, ids: number[], confirmed: boolean) =>
    settle(() =>
      action(
        args(
          post(cookies[ADAM], [
            ["intent", "bulk"],
            ["action", "reassign"],
            ["owner", owner],
            ...(confirmed ? [["confirmed", "yes"] as [string, string]] : []),
            ...idFields(ids),
          ]),
        ),
      ),
    );

  const strangers: [who: string, arrange: () => Promise<string>][] = [
    ["someone who was never a member", async () => freshUserId("ghost")],
    [
      "a member who has left",
      async () => {
        const leaver = freshUserId("leaver");
        await join({ userId: leaver, name: "Lee Leaver" });
        await removeMember(DEMO_ORG_ID, leaver);
        return leaver;
      },
    ],
  ];

  describe.each(strangers)("to %s", (_who, arrange) => {
    // Unconfirmed, the app asks the directory before offering to confirm; confirmed, the database's trigger refuses the move.
    it.each([
      ["asked to confirm", false],
      ["confirmed", true],
    ] as const)("%s: 400, nothing changed, nothing audited", async (_step, confirmed) => {
      const ids = await seed(freshUserId("stay"), 2);
      const stranger = await arrange();
      const before = await snapshot(ids);
      const since = await auditHighWater();
      const { thrown, response } = await reassign(stranger, ids, confirmed);
      expect(thrown).toBe(false);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        intent: "bulk",
        error: `${stranger} is not a member of this organization. Nothing was changed.`,
      });
      expect(await snapshot(ids)).toEqual(before);
      expect(await auditCountSince(since, ids)).toBe(0);
    });
  });

  it("to a member: asks first, naming them, then moves the rows", async () => {
    const ids = await seed(freshUserId("from"), 3);
    const to = freshUserId("to");
    await join({ userId: to, name: "Robin Receiver", role: "org:moderator" });
    const before = await snapshot(ids);

    const asked = await reassign(to, ids, false);
    expect(asked.response.status).toBe(200);
    expect(await asked.response.json()).toEqual({
      intent: "bulk",
      confirm: {
        action: "reassign",
        count: 3,
        scope: "selected",
        ids,
        owner: to,
        ownerName: "Robin Receiver",
      },
    });
    expect(await snapshot(ids)).toEqual(before);

    const since = await auditHighWater();
    const done = await reassign(to, ids, true);
    expect(done.response.status).toBe(303);
    const { rows } = await owner.query(
      "select distinct user_id from todos where id = any($1::bigint[])",
      [ids],
    );
    expect(rows).toEqual([{ user_id: to }]);
    expect(await auditCountSince(since, ids)).toBe(3);
  });

  it("the page offers the organization's live members for the filter and for reassign", async () => {
    const picked = freshUserId("picked");
    const gone = freshUserId("gone");
    await join({ userId: picked, name: "Pat Picked" }, { userId: gone, name: "Gale Gone" });
    await removeMember(DEMO_ORG_ID, gone);
    const { members: offered } = (await (
      await settle(() => loader(args(get(cookies[ADAM]))))
    ).response.json()) as { members: { id: string }[] };
    expect(offered).toContainEqual({ id: picked, name: "Pat Picked", role: "org:member" });
    expect(offered.map((member) => member.id)).not.toContain(gone);
  });
});

describe("admin: refused bulk actions answer 400 and change nothing", () => {
  it("a malformed form", async () => {
    const { response } = await settle(() =>
      action(
        args(
          post(cookies[ADAM], [
            ["intent", "bulk"],
            ["action", "complete"],
          ]),
        ),
      ),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ intent: "bulk", error: "Select at least one todo." });
  });

  describe("too many rows", () => {
    const bigOwner = freshUserId("big");
    let bigIds: number[];
    beforeAll(async () => {
      bigIds = await seed(bigOwner, 50_001);
    });

    const TOO_MANY =
      "This would change 50,001 todos; a bulk action changes at most 50,000. Narrow the filter.";

    it.each([
      [
        "complete of a filter matching 50,001",
        [
          ["action", "complete"],
          ["scope", "filter"],
        ],
        TOO_MANY,
      ],
      [
        "unconfirmed delete of a filter matching 50,001",
        [
          ["action", "delete"],
          ["scope", "filter"],
        ],
        TOO_MANY,
      ],
      [
        "confirmed delete of a filter matching 50,001",
        [
          ["action", "delete"],
          ["scope", "filter"],
          ["confirmed", "yes"],
        ],
        TOO_MANY,
      ],
    ] as [string, [string, string][], string][])("%s", async (_name, fields, error) => {
      const before = await snapshot(bigIds);
      const { thrown, response } = await settle(() =>
        action(
          args(
            post(
              cookies[ADAM],
              [["intent", "bulk"], ...fields],
              `${URL_BASE}/todos/bulk?owner=${bigOwner}`,
            ),
          ),
        ),
      );
      expect(thrown).toBe(false);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ intent: "bulk", error });
      expect(await snapshot(bigIds)).toEqual(before);
    });

    it("50,001 selected ids", async () => {
      const before = await snapshot(bigIds);
      const { response } = await settle(() =>
        action(
          args(
            post(cookies[ADAM], [["intent", "bulk"], ["action", "complete"], ...idFields(bigIds)]),
          ),
        ),
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        intent: "bulk",
        error: "50,001 todos selected; a bulk action changes at most 50,000.",
      });
      expect(await snapshot(bigIds)).toEqual(before);
    });
  });
});
