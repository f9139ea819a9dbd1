import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ORG_ID } from "../../db/demo-identities";
import { closeDirectoryPool } from "../../db/directory/apply.server";
import { closeRolePools } from "../../db/pools.server";
import { addMembers } from "../../db/testing/directory";
import { ownerPool } from "../../db/testing/identities";
import { URL_BASE, args, formPost, settle, signInAs } from "../testing/routes";
import { action as todosAction, loader as todosLoader } from "./todos";
import { action as bulkAction } from "./todos.bulk";
import { action as revertAction, loader as revertLoader } from "./revert";

/**
 * Undo through the app, as a browser without JavaScript would do it: the
 * action's redirect carries a flash with the transaction to undo, the Undo
 * form posts it to /revert, and /revert answers with a redirect back or a
 * refusal with its status. Rows are checked as the owner sees them.
 */

const ALICE = "user_alice";
const BOB = "user_bob";
const MAYA = "user_maya";
const ADAM = "user_adam";

const owner = ownerPool();
const created: number[] = [];
const cookies: Record<string, string> = {};

beforeAll(async () => {
  // Only a live member may own a todo the admin puts back.
  await addMembers(DEMO_ORG_ID, [{ userId: ALICE, name: "Alice" }], "Acme");
  for (const userId of [ALICE, BOB, MAYA, ADAM]) cookies[userId] = await signInAs(userId);
});

afterAll(async () => {
  await owner.query("delete from todos where id = any($1::bigint[])", [created]);
  await owner.query("delete from audit.audit_log where todo_id = any($1::bigint[])", [created]);
  await owner.query(
    "delete from directory.memberships where organization_id = $1 and user_id = $2",
    [DEMO_ORG_ID, ALICE],
  );
  await owner.query("delete from directory.users where id = $1", [ALICE]);
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
});

async function seed(userId: string, n: number): Promise<number[]> {
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) select $1, $2 || ' ' || g from generate_series(1, $3::int) g returning id",
    [userId, `undo route ${randomUUID().slice(0, 8)}`, n],
  );
  const ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  created.push(...ids);
  return ids;
}

/** Every column of these rows, as the owner sees them. */
async function rows(ids: number[]) {
  const { rows } = await owner.query(
    "select to_jsonb(t) as row from todos t where id = any($1::bigint[]) order by id",
    [ids],
  );
  return rows.map((row) => row.row);
}

/** The flash the redirect set, as the next page load shows it. */
async function flashAfter(response: Response, cookie: string) {
  const flash = response.headers.get("Set-Cookie")!.split(";")[0];
  const page = await settle(() =>
    todosLoader(
      args(new Request(`${URL_BASE}/todos`, { headers: { Cookie: `${cookie}; ${flash}` } })),
    ),
  );
  return (await page.response.json()).flash as { text: string; undo?: number } | null;
}

const revert = (cookie: string, fields: Record<string, string>) =>
  settle(() => revertAction(args(formPost("/revert", fields, cookie))));

describe("undo after a bulk delete (admin)", () => {
  it("the flash offers Undo; posting it brings the rows back with their ids and offers to undo the undo", async () => {
    const ids = await seed(ALICE, 3);
    const before = await rows(ids);
    const fields: [string, string][] = [
      ["intent", "bulk"],
      ["action", "delete"],
      ["confirmed", "yes"],
      ...ids.map((id): [string, string] => ["id", String(id)]),
    ];
    const deleted = await settle(() =>
      bulkAction(args(formPost("/todos/bulk?q=undo", fields, cookies[ADAM]))),
    );
    expect(deleted.response.status).toBe(303);
    const flash = await flashAfter(deleted.response, cookies[ADAM]);
    expect(flash).toEqual({ text: "Deleted 3 todos.", undo: expect.any(Number) });
    expect(await rows(ids)).toEqual([]);

    const undone = await revert(cookies[ADAM], { tx: String(flash!.undo), back: "/todos?q=undo" });
    expect(undone.response.status).toBe(303);
    expect(undone.response.headers.get("Location")).toBe("/todos?q=undo");
    expect(await rows(ids)).toEqual(before);
    const again = await flashAfter(undone.response, cookies[ADAM]);
    expect(again).toEqual({
      text: `Undone: transaction ${flash!.undo} is reverted.`,
      undo: expect.any(Number),
    });

    const redone = await revert(cookies[ADAM], { tx: String(again!.undo) });
    expect(redone.response.status).toBe(303);
    expect(redone.response.headers.get("Location")).toBe("/todos");
    expect(await rows(ids)).toEqual([]);
  });
});

describe("undo after a single delete (member)", () => {
  it("brings the member's own todo back with its id", async () => {
    const [id] = await seed(ALICE, 1);
    const before = await rows([id]);
    const deleted = await settle(() =>
      todosAction(args(formPost("/todos", { intent: "delete", id: String(id) }, cookies[ALICE]))),
    );
    expect(deleted.response.status).toBe(303);
    const flash = await flashAfter(deleted.response, cookies[ALICE]);
    expect(flash).toEqual({
      text: expect.stringMatching(/^Deleted “undo route .+ 1”\.$/),
      undo: expect.any(Number),
    });
    expect((await revert(cookies[ALICE], { tx: String(flash!.undo) })).response.status).toBe(303);
    expect(await rows([id])).toEqual(before);
  });

  it("an edit or a toggle offers no undo (only deletes and bulk actions do)", async () => {
    const [id] = await seed(ALICE, 1);
    const toggled = await settle(() =>
      todosAction(args(formPost("/todos", { intent: "toggle", id: String(id) }, cookies[ALICE]))),
    );
    expect(toggled.response.status).toBe(303);
    expect(toggled.response.headers.get("Set-Cookie")).toBeNull();
  });
});

describe("refusals: a status, a sentence, nothing changed", () => {
  let adminTx: number;
  let ids: number[];
  let state: unknown[];

  beforeAll(async () => {
    ids = await seed(BOB, 2);
    const fields: [string, string][] = [
      ["intent", "bulk"],
      ["action", "complete"],
      ...ids.map((id): [string, string] => ["id", String(id)]),
    ];
    const done = await settle(() =>
      bulkAction(args(formPost("/todos/bulk", fields, cookies[ADAM]))),
    );
    adminTx = (await flashAfter(done.response, cookies[ADAM]))!.undo!;
    state = await rows(ids);
  });

  it.each([
    ["bob, whose todos they are (member)", BOB],
    ["maya (moderator)", MAYA],
  ])("%s may not revert the admin's transaction: 404", async (_who, userId) => {
    const { thrown, response } = await revert(cookies[userId], {
      tx: String(adminTx),
      back: "/todos",
    });
    expect(thrown).toBe(false);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: `Transaction ${adminTx} does not exist, or it is not one you may see.`,
      rows: [],
      back: "/todos",
    });
    expect(await rows(ids)).toEqual(state);
  });

  it("a crafted transaction id: 404", async () => {
    expect((await revert(cookies[ADAM], { tx: "9000000000000" })).response.status).toBe(404);
    expect(await rows(ids)).toEqual(state);
  });

  it.each([[""], ["abc"], ["-1"], ["0"]])(
    "a malformed transaction id %j: 400 with a message",
    async (tx) => {
      const { response } = await revert(cookies[ADAM], { tx });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toBe(
        "The transaction id must be a positive whole number.",
      );
    },
  );

  it("a row changed since: 409 naming it, and the other row is not reverted either", async () => {
    await owner.query("update todos set task = 'changed since' where id = $1", [ids[0]]);
    const changed = await rows(ids);
    const { response } = await revert(cookies[ADAM], { tx: String(adminTx), back: "/audit" });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: expect.stringContaining("a row it changed has changed since"),
      rows: [{ table: "todos", id: ids[0] }],
      back: "/audit",
    });
    expect(await rows(ids)).toEqual(changed);
  });

  it("a post from another site: 403 before anything is read", async () => {
    const forged = new Request(`${URL_BASE}/revert`, {
      method: "POST",
      body: new URLSearchParams({ tx: String(adminTx) }),
      headers: {
        Origin: "https://evil.example",
        "Content-Type": "application/x-www-form-urlencoded",
        Cookie: cookies[ADAM],
      },
    });
    const { thrown, response } = await settle(() => revertAction(args(forged)));
    expect(thrown).toBe(true);
    expect(response.status).toBe(403);
  });

  it("signed out: no revert", async () => {
    const { response } = await revert("", { tx: String(adminTx) });
    expect([302, 401]).toContain(response.status);
    expect(await rows(ids)).toEqual(changedOrState());
  });

  const changedOrState = () =>
    state.map((row, index) => (index === 0 ? { ...(row as object), task: "changed since" } : row));
});

it("GET /revert loads nothing: the page only shows a refused post", () => {
  expect(revertLoader()).toBeNull();
});
