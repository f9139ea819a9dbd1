import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DEMO_ORG_ID } from "../../db/demo-identities";
import { closeDirectoryPool } from "../../db/directory/apply.server";
import { BULK_ACTIONS, type BulkAction } from "../../db/limits";
import { closeRolePools, rolePool } from "../../db/pools.server";
import { addMembers } from "../../db/testing/directory";
import {
  BULK_STATEMENT,
  dropAllFaults,
  holdAdvisoryLock,
  installRowFault,
  literal,
  outcomeOf,
  type Fault,
} from "../../db/testing/faults";
import { expectBulkDone } from "../../db/testing/bulk-checks";
import { freshUserId, ownerPool } from "../../db/testing/identities";
import * as checks from "../../db/testing/owner-checks";
import { URL_BASE, args, formPost, settle, signInAs } from "../testing/routes";
import { loader } from "./todos";
import { action } from "./todos.bulk";

// One attempt each: these tests are about what a failed attempt leaves behind. Retrying on a
// fresh connection, which would hide the failure here, is availability.test.ts's subject.
process.env.WARDEN_DB_WAIT_MS = "0";

/**
 * The faults of db/faults.test.ts through POST /todos, as Adam (Acme's admin)
 * with a real session cookie: the answer is a clear error, nothing changes,
 * and the next requests succeed without a restart.
 */

const ADAM = "user_adam";
const N = 20;
const ROWS = [1, N / 2, N];
const NEW_OWNER_NAME = "Faye Fault";
const SERVER_FAULT = {
  message: "Something went wrong on our side and nothing was changed. Please try again.",
};
const UNAVAILABLE = {
  message: "The database is not answering right now. Your data is safe; try again in a moment.",
};
/** Deleting and reassigning ask first; the post here is the confirmed one. */
const ASKS_FIRST: ReadonlySet<BulkAction> = new Set(["delete", "reassign"]);

const owner = ownerPool();
// Every todo this file makes, so cleanup leaves the demo organization's own rows alone.
const created: number[] = [];
const members: string[] = [];
let cookie: string;

beforeAll(async () => {
  cookie = await signInAs(ADAM);
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await dropAllFaults(owner);
  await owner.query("delete from todos where id = any($1::bigint[])", [created]);
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

/**
 * N of Acme's todos owned by someone fresh (the injected trigger fires only on
 * theirs), in the state the action changes, and the confirmed bulk post that
 * changes them from the page filtered to that owner.
 */
async function arrange(bulkAction: BulkAction) {
  const from = freshUserId("fault_from");
  const to = freshUserId("fault_to");
  if (bulkAction === "reassign") {
    members.push(to);
    await addMembers(DEMO_ORG_ID, [{ userId: to, name: NEW_OWNER_NAME }], "Acme");
  }
  const { rows } = await owner.query<{ id: string }>(
    "insert into todos (user_id, task, is_complete) select $1, 'route fault ' || g, $2 from generate_series(1, $3::int) g returning id",
    [from, bulkAction === "reopen", N],
  );
  const ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  created.push(...ids);
  const fields: [string, string][] = [
    ["intent", "bulk"],
    ["action", bulkAction],
    ...(bulkAction === "reassign" ? [["owner", to] as [string, string]] : []),
    ...(ASKS_FIRST.has(bulkAction) ? [["confirmed", "yes"] as [string, string]] : []),
    ...ids.map((id): [string, string] => ["id", String(id)]),
  ];
  const page = `/todos?owner=${from}`;
  return {
    action: bulkAction,
    from,
    to,
    ids,
    page,
    post: () =>
      settle(() => action(args(formPost(`${URL_BASE}/todos/bulk?owner=${from}`, fields, cookie)))),
  };
}
type Arranged = Awaited<ReturnType<typeof arrange>>;

const faultOnRow = (arranged: Arranged, row: number, fault: Fault) =>
  installRowFault(owner, {
    action: arranged.action,
    row,
    when: `old.tenant_id = ${literal(DEMO_ORG_ID)} and old.user_id = ${literal(arranged.from)}`,
    fault,
  });

async function expectUntouched(
  arranged: Arranged,
  before: Awaited<ReturnType<typeof checks.todosDigest>>,
  auditSince: number,
) {
  expect(await checks.todosDigest(owner, arranged.ids)).toEqual(before);
  expect(await checks.auditHighWater(owner)).toBe(auditSince);
  const { pool } = rolePool("admin_backend");
  expect(pool.totalCount - pool.idleCount).toBe(0);
}

/** The page reads, and the same post now does what it says, from the same process and pools. */
async function expectNextRequestsSucceed(arranged: Arranged, auditSince: number) {
  const page = await settle(() =>
    loader(args(new Request(`${URL_BASE}${arranged.page}`, { headers: { Cookie: cookie } }))),
  );
  expect(page).toMatchObject({ thrown: false });
  expect(page.response.status).toBe(200);
  const data = (await page.response.json()) as {
    databaseRole: string;
    matching: number;
    todos: { id: number }[];
  };
  expect(data.databaseRole).toBe("admin_backend");
  expect(data.matching).toBe(N);
  expect(data.todos.map((todo) => Number(todo.id)).sort((a, b) => a - b)).toEqual(arranged.ids);

  const done = await arranged.post();
  expect(done).toMatchObject({ thrown: false });
  expect(done.response.status).toBe(303);
  expect(done.response.headers.get("Location")).toBe(arranged.page);
  await expectBulkDone(owner, arranged, auditSince);
}

describe.each(BULK_ACTIONS)(`POST /todos/bulk %s of ${N} todos as ${ADAM}`, (bulkAction) => {
  // A trigger that raises is the server failing, not the user asking for something wrong: 500, never 400 or 503.
  it.each(ROWS)(
    "a trigger raising on row %i: 500 'nothing was changed', cause logged, nothing changed or audited; then the page and the action work",
    async (k) => {
      const arranged = await arrange(bulkAction);
      const before = await checks.todosDigest(owner, arranged.ids);
      const since = await checks.auditHighWater(owner);
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      const fault = await faultOnRow(arranged, k, { kind: "raise" });
      try {
        const { thrown, response } = await arranged.post();
        expect(thrown).toBe(true);
        expect(response.status).toBe(500);
        expect(await response.json()).toEqual(SERVER_FAULT);
        expect(await fault.seen()).toBe(k);
      } finally {
        await fault.drop();
      }
      expect(logged).toHaveBeenCalledTimes(1);
      expect(logged).toHaveBeenCalledWith(
        expect.objectContaining({
          cause: expect.objectContaining({ code: "P0001", message: fault.marker }),
        }),
      );
      await expectUntouched(arranged, before, since);
      await expectNextRequestsSucceed(arranged, since);
    },
  );

  it.each(ROWS)(
    "the backend terminated while row %i waits: 503 'not answering', nothing changed or audited; then the page and the action work",
    async (k) => {
      const arranged = await arrange(bulkAction);
      const before = await checks.todosDigest(owner, arranged.ids);
      const since = await checks.auditHighWater(owner);
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      const lock = await holdAdvisoryLock(owner);
      const fault = await faultOnRow(arranged, k, { kind: "block", lockKey: lock.key });
      try {
        const call = outcomeOf(arranged.post());
        await lock.terminateWaiter(call, BULK_STATEMENT[bulkAction]);
        const result = await call.outcome;
        if (!result.ok) throw result.error;
        const { thrown, response } = result.value;
        expect(thrown).toBe(true);
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual(UNAVAILABLE);
        expect(await fault.seen()).toBe(k);
      } finally {
        await lock.release();
        await fault.drop();
      }
      // An outage is not a bug: nothing for the error log.
      expect(logged).not.toHaveBeenCalled();
      await expectUntouched(arranged, before, since);
      await expectNextRequestsSucceed(arranged, since);
    },
  );
});
