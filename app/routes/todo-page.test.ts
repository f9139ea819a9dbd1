import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRolePools } from "../../db/pools.server";
import { ownerPool } from "../../db/testing/identities";
import type { TimelineEntry } from "../../db/timeline.server";
import { URL_BASE, args, formPost, respond, settle, signInAs } from "../testing/routes";
import { loader } from "./todos_.$id";
import { action as todosAction } from "./todos";

/** GET /todos/:id through the real route, as the demo identities, on todos made through the real /todos action. */

const ALICE = "user_alice";
const BOB = "user_bob";
const MAYA = "user_maya";
const ADAM = "user_adam";
const GINA = "user_gina";
const NOT_FOUND = { message: "Not found: that todo does not exist or is not yours to see." };

const owner = ownerPool();
const label = randomUUID().slice(0, 8);
const cookies: Record<string, string> = {};
const created: number[] = [];
let kept: number;
let deleted: number;

type Page = {
  id: number;
  todo: { task: string; isComplete: boolean } | null;
  fate: string;
  lastTask: string | null;
  entries: TimelineEntry[];
  older: number | null;
};

const open = (userId: string, id: string) =>
  settle(() =>
    loader({
      ...args(new Request(`${URL_BASE}/todos/${id}`, { headers: { Cookie: cookies[userId] } })),
      params: { id },
    }),
  );

async function post(userId: string, form: Record<string, string>) {
  const response = await respond(todosAction(args(formPost("/todos", form, cookies[userId]))));
  expect(response.status).toBe(303);
}

async function createAsAlice(task: string) {
  await post(ALICE, { intent: "create", task });
  const { rows } = await owner.query<{ id: string }>("select id from todos where task = $1", [
    task,
  ]);
  const id = Number(rows[0].id);
  created.push(id);
  return id;
}

beforeAll(async () => {
  for (const userId of [ALICE, BOB, MAYA, ADAM, GINA]) cookies[userId] = await signInAs(userId);
  kept = await createAsAlice(`Plan the launch ${label}`);
  await post(ALICE, { intent: "update", id: String(kept), task: `Plan the big launch ${label}` });
  await post(ALICE, { intent: "toggle", id: String(kept) });
  deleted = await createAsAlice(`Scrap this ${label}`);
  await post(ALICE, { intent: "delete", id: String(deleted) });
});

afterAll(async () => {
  // The log is append-only for the app's roles, not for the owner: test entries would otherwise pile up run after run.
  await owner.query(
    "delete from audit.transactions where tx_id in (select tx_id from audit.audit_log where todo_id = any($1::bigint[]))",
    [created],
  );
  await owner.query("delete from audit.audit_log where todo_id = any($1::bigint[])", [created]);
  await owner.query("delete from todos where id = any($1::bigint[])", [created]);
  await owner.end();
  await closeRolePools();
});

describe("the owner", () => {
  // Names come from the directory, which this database holds no demo people in: db/timeline.rls.test.ts checks them.
  it("reads the todo and its timeline, newest first, with who did what as which role", async () => {
    const { thrown, response } = await open(ALICE, String(kept));
    expect(thrown).toBe(false);
    expect(response.status).toBe(200);
    const page = (await response.json()) as Page;
    expect(page).toMatchObject({
      id: kept,
      fate: "visible",
      todo: { task: `Plan the big launch ${label}`, isComplete: true },
      older: null,
    });
    expect(page.entries.map((entry) => [entry.action, entry.actor, entry.dbRole])).toEqual([
      ["update", ALICE, "authenticated_backend"],
      ["update", ALICE, "authenticated_backend"],
      ["insert", ALICE, "authenticated_backend"],
    ]);
    expect(page.entries[1].before).toMatchObject({ task: `Plan the launch ${label}` });
    expect(page.entries[1].after).toMatchObject({ task: `Plan the big launch ${label}` });
  });

  it("reads the todo she deleted, as deleted, with its last text", async () => {
    const page = (await (await open(ALICE, String(deleted))).response.json()) as Page;
    expect(page).toMatchObject({ todo: null, fate: "deleted", lastTask: `Scrap this ${label}` });
    expect(page.entries.map((entry) => entry.action)).toEqual(["delete", "insert"]);
  });
});

describe("an admin of the organization", () => {
  it("reads a deleted todo's timeline", async () => {
    const { thrown, response } = await open(ADAM, String(deleted));
    expect(thrown).toBe(false);
    expect(await response.json()).toMatchObject({
      fate: "deleted",
      lastTask: `Scrap this ${label}`,
    });
  });
});

describe("what is not yours is not there", () => {
  it.each([
    ["another member (bob), her todo", BOB, () => kept],
    ["another member (bob), her deleted todo", BOB, () => deleted],
    ["a moderator (maya), a deleted todo she had no hand in", MAYA, () => deleted],
    ["the admin of another organization (gina)", GINA, () => kept],
    ["alice, an id that never existed", ALICE, () => 999_999_999_999],
  ])(
    "%s: thrown 404, the same answer as for an id that never existed",
    async (_name, userId, id) => {
      const { thrown, response } = await open(userId, String(id()));
      expect(thrown).toBe(true);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual(NOT_FOUND);
    },
  );
});

describe("malformed input", () => {
  it.each([
    ["letters", "abc", "The todo id must be a positive whole number."],
    ["zero", "0", "The todo id must be a positive whole number."],
    ["a negative number", "-1", "The todo id must be a positive whole number."],
    ["too many digits", "9999999999999999", "The todo id must be a positive whole number."],
    [
      "a broken page link",
      "1?before=later",
      "That page link is broken. Start again from the newest entries.",
    ],
  ])("%s: thrown 400 with the message", async (_name, path, message) => {
    const [id, search = ""] = path.split("?");
    const request = new Request(`${URL_BASE}/todos/${id}${search ? `?${search}` : ""}`, {
      headers: { Cookie: cookies[ALICE] },
    });
    const { thrown, response } = await settle(() => loader({ ...args(request), params: { id } }));
    expect(thrown).toBe(true);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message });
  });
});
