import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditRow } from "../../db/audit.server";
import { closeRolePools } from "../../db/pools.server";
import { freshUserId, ownerPool } from "../../db/testing/identities";
import { loader } from "./audit";
import { action as bulkAction } from "./todos.bulk";
import { URL_BASE, args, formPost, respond, settle, signInAs } from "../testing/routes";

const ALICE = "user_alice";
const MAYA = "user_maya";
const ADAM = "user_adam";
const FORBIDDEN = { message: "Only admins can read the audit log." };

const owner = ownerPool();
const created: number[] = [];
const cookies: Record<string, string> = {};

const get = (cookie: string, search = "") =>
  new Request(`${URL_BASE}/audit${search}`, { headers: { Cookie: cookie } });

type AuditPage = {
  entries: AuditRow[];
  filters: Record<string, string>;
  links: { first: string; next: string | null; previous: string | null };
};

let bulkIds: number[];
let bulkTxId: number;

beforeAll(async () => {
  for (const userId of [ALICE, MAYA, ADAM]) cookies[userId] = await signInAs(userId);

  // The entries the admin should find: a bulk complete through the real route.
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task) select $1, $2 || ' ' || g from generate_series(1, 3) g returning id",
    [freshUserId("audited"), `audit route ${randomUUID().slice(0, 8)}`],
  );
  bulkIds = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  created.push(...bulkIds);
  const body = new URLSearchParams([
    ["intent", "bulk"],
    ["action", "complete"],
    ...bulkIds.map((id) => ["id", String(id)]),
  ]);
  const response = await respond(bulkAction(args(formPost("/todos/bulk", body, cookies[ADAM]))));
  expect(response.status).toBe(303);
  const { rows: tx } = await owner.query(
    "select distinct tx_id::text as tx_id from audit.audit_log where action = 'update' and todo_id = any($1::bigint[])",
    [bulkIds],
  );
  expect(tx).toHaveLength(1);
  bulkTxId = Number(tx[0].tx_id);
});

afterAll(async () => {
  await owner.query("delete from todos where id = any($1::bigint[])", [created]);
  // The log is append-only for the app's roles, not for the owner: test entries would otherwise pile up run after run.
  await owner.query("delete from audit.audit_log where todo_id = any($1::bigint[])", [created]);
  await owner.end();
  await closeRolePools();
});

describe("members and moderators", () => {
  it.each([
    ["alice (member)", ALICE, ""],
    ["maya (moderator)", MAYA, ""],
    ["alice with a filter naming herself", ALICE, `?actor=${ALICE}`],
    // The capability is checked before the parameters: a bad filter must not tell them more than "no".
    ["maya with a malformed filter", MAYA, "?todo=abc"],
  ])("%s: thrown 403", async (_name, userId, search) => {
    const { thrown, response } = await settle(() => loader(args(get(cookies[userId], search))));
    expect(thrown).toBe(true);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual(FORBIDDEN);
  });
});

describe("admin", () => {
  it("sees the bulk action's entries under actor user_adam, newest first", async () => {
    const { thrown, response } = await settle(() =>
      loader(args(get(cookies[ADAM], `?actor=${ADAM}`))),
    );
    expect(thrown).toBe(false);
    expect(response.status).toBe(200);
    const page = (await response.json()) as AuditPage;
    expect(page.entries.every((entry) => entry.actor === ADAM)).toBe(true);
    const bulk = page.entries.filter((entry) => entry.txId === bulkTxId);
    expect(bulk.map((entry) => entry.rowId).sort((a, b) => a - b)).toEqual(bulkIds);
    for (const entry of bulk) {
      expect(entry).toMatchObject({
        actor: ADAM,
        dbRole: "admin_backend",
        action: "update",
        tableName: "todos",
        before: { is_complete: false },
        after: { is_complete: true },
      });
    }
    const ids = page.entries.map((entry) => entry.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(page.filters).toEqual({ actor: ADAM, todo: "", tx: "", action: "", from: "", to: "" });
    expect(page.links.first).toBe(`?actor=${ADAM}`);
  });

  it("filters by todo: the owner's insert and the admin's update", async () => {
    const { response } = await settle(() =>
      loader(args(get(cookies[ADAM], `?todo=${bulkIds[1]}`))),
    );
    expect(response.status).toBe(200);
    const page = (await response.json()) as AuditPage;
    expect(page.entries.map((entry) => [entry.action, entry.actor, entry.todoId])).toEqual([
      ["update", ADAM, bulkIds[1]],
      ["insert", null, bulkIds[1]],
    ]);
    expect(page.links).toEqual({ first: `?todo=${bulkIds[1]}`, next: null, previous: null });
  });

  it("filters by action within one todo", async () => {
    const { response } = await settle(() =>
      loader(args(get(cookies[ADAM], `?todo=${bulkIds[0]}&action=insert`))),
    );
    const page = (await response.json()) as AuditPage;
    expect(page.entries.map((entry) => entry.action)).toEqual(["insert"]);
    expect(page.filters).toEqual({
      actor: "",
      todo: String(bulkIds[0]),
      tx: "",
      action: "insert",
      from: "",
      to: "",
    });
  });

  it.each([
    ["a non-numeric todo", "?todo=abc", "The todo id must be a positive whole number."],
    ["an impossible date", "?from=2026-02-30", "From must be a date (YYYY-MM-DD)."],
    [
      "a backwards range",
      "?from=2026-03-02&to=2026-03-01",
      "The date range ends before it starts.",
    ],
    ["a broken cursor", "?after=xyz", "That page link is broken. Start again from the first page."],
    ["an unknown action", "?action=drop", "Action must be insert, update or delete."],
  ])("%s: thrown 400 with the message", async (_name, search, message) => {
    const { thrown, response } = await settle(() => loader(args(get(cookies[ADAM], search))));
    expect(thrown).toBe(true);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message });
  });
});
