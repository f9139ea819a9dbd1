import { randomUUID } from "node:crypto";
import { DEMO_ORG_ID } from "../../db/demo-identities";
import { closeDirectoryPool } from "../../db/directory/apply.server";
import { WireCounter, type WireWindow } from "../../db/local/wire-counter";
import { startWsProxy } from "../../db/local/ws-proxy";
import { closeRolePools, rolePool } from "../../db/pools.server";
import { addMembers } from "../../db/testing/directory";
import { freshUserId, ownerPool } from "../../db/testing/identities";
import { BACKEND_ROLE_NAMES, connectionEnvFor } from "../../roles/roles";
import { loader as rootLoader } from "../root";
import { loader as auditLoader } from "../routes/audit";
import { action as revertAction } from "../routes/revert";
import { action as reviewAction, loader as reviewLoader } from "../routes/review";
import { action as signIn } from "../routes/sign-in";
import { action as signOut } from "../routes/sign-out";
import { action as switchOrg } from "../routes/switch";
import { action as todosAction, loader as todosLoader } from "../routes/todos";
import { action as bulkAction } from "../routes/todos.bulk";
import { loader as todoPageLoader } from "../routes/todos_.$id";
import { args, formPost, settle, signInAs, URL_BASE } from "./routes";

/**
 * Round trips to Postgres per route call, counted on the wire: a second
 * WebSocket proxy, with a counter on it, in front of the same Postgres, and
 * the role pools reopened through it. Each call runs with every role's pool
 * warm, so connection start-up is not part of what a request costs.
 */

/** The contract: a read loader reaches Postgres in at most 2 round trips, an action in at most 3 (BEGIN, claims and COMMIT included). */
export const ROUND_TRIP_LIMITS = { loader: 2, action: 3 } as const;

export type Caller = "member" | "moderator" | "admin";
export const CALLERS: Record<Caller, string> = {
  member: "user_alice",
  moderator: "user_maya",
  admin: "user_adam",
};
const EVERYONE: Caller[] = ["member", "moderator", "admin"];
const REVIEWERS: Caller[] = ["moderator", "admin"];
const ADMINS: Caller[] = ["admin"];

export interface ObservedDatabase {
  counter: WireCounter;
  /** Role pools back on the proxy they used before; the counting proxy closed. */
  close(): Promise<void>;
}

/** From now on every new role connection goes through a counting proxy to the database the role URLs name. */
export async function observeDatabase(): Promise<ObservedDatabase> {
  const { hostname, port } = new URL(process.env[connectionEnvFor("authenticated_backend")]!);
  const counter = new WireCounter();
  const proxy = await startWsProxy({ host: hostname, port: Number(port) }, counter.observer);
  const previous = process.env.WARDEN_LOCAL_WS_PROXY;
  process.env.WARDEN_LOCAL_WS_PROXY = proxy.address;
  await closeRolePools();
  return {
    counter,
    async close() {
      await closeRolePools();
      if (previous === undefined) delete process.env.WARDEN_LOCAL_WS_PROXY;
      else process.env.WARDEN_LOCAL_WS_PROXY = previous;
      await proxy.close();
    },
  };
}

/** Leaves an idle connection in every role's pool, so the call that follows starts none. */
async function warmPools() {
  await Promise.all(BACKEND_ROLE_NAMES.map((role) => rolePool(role).pool.query("select 1")));
}

/** The rows, sessions and directory entry the calls need, all marked so they can be removed again. */
export interface Fixture {
  cookie(caller: Caller): Promise<string>;
  /** A session of its own, for calls that end the one they ride in. */
  freshCookie(caller: Caller): Promise<string>;
  /** A word in the tasks of one batch only, for filters that must match nothing else. */
  word(): string;
  todos(userId: string, n: number, word?: string): Promise<number[]>;
  /** The transaction that deleted a todo, from the log. */
  deletedIn(todoId: number): Promise<number>;
  /** An open escalation of the todo, raised by `by`. */
  escalate(todoId: number, by: string): Promise<void>;
  /** A member of the organization, someone to reassign to. */
  reassignee: string;
  cleanUp(): Promise<void>;
}

export async function createFixture(): Promise<Fixture> {
  const owner = ownerPool();
  const marker = `rt${randomUUID().slice(0, 8)}`;
  const reassignee = freshUserId("rt_reassignee");
  await addMembers(DEMO_ORG_ID, [{ userId: reassignee }], "Acme");
  const cookies = new Map<Caller, string>();
  const arranged: number[] = [];
  let words = 0;
  return {
    reassignee,
    async cookie(caller) {
      if (!cookies.has(caller)) cookies.set(caller, await signInAs(CALLERS[caller]));
      return cookies.get(caller)!;
    },
    freshCookie: (caller) => signInAs(CALLERS[caller]),
    word: () => `${marker}w${++words}`,
    async todos(userId, n, word = marker) {
      const { rows } = await owner.query<{ id: string }>(
        `insert into todos (tenant_id, user_id, task) select $1, $2, $3 || ' ' || $4 || ' ' || g from generate_series(1, $5::int) g returning id`,
        [DEMO_ORG_ID, userId, marker, word, n],
      );
      const ids = rows.map((row) => Number(row.id));
      arranged.push(...ids);
      return ids;
    },
    async deletedIn(todoId) {
      const { rows } = await owner.query<{ tx_id: string }>(
        "select tx_id::text from audit.audit_log where todo_id = $1 and table_name = 'todos' and action = 'delete'",
        [todoId],
      );
      return Number(rows[0].tx_id);
    },
    async escalate(todoId, by) {
      await owner.query(
        "insert into todo_escalations (todo_id, tenant_id, escalated_by, reason) values ($1, $2, $3, 'spam')",
        [todoId, DEMO_ORG_ID, by],
      );
    },
    async cleanUp() {
      try {
        const { rows } = await owner.query<{ id: string }>(
          "select id from todos where task like $1",
          [`${marker}%`],
        );
        const ids = [...arranged, ...rows.map((row) => Number(row.id))];
        await owner.query("delete from todo_claims where todo_id = any($1::bigint[])", [ids]);
        await owner.query("delete from todo_escalations where todo_id = any($1::bigint[])", [ids]);
        // The log is append-only for the app's roles, not for the owner: entries would otherwise pile up run after run.
        await owner.query("delete from audit.audit_log where todo_id = any($1::bigint[])", [ids]);
        await owner.query("delete from todos where id = any($1::bigint[])", [ids]);
        await owner.query(
          "delete from directory.memberships where organization_id = $1 and user_id = $2",
          [DEMO_ORG_ID, reassignee],
        );
        await owner.query("delete from directory.users where id = $1", [reassignee]);
      } finally {
        await owner.end();
        await closeDirectoryPool();
      }
    },
  };
}

interface RouteCase {
  name: string;
  kind: "loader" | "action";
  callers: Caller[];
  /** What the call answers when it did its work: anything else means nothing worth counting happened. */
  status: number;
  /** Arranges what the call needs, uncounted, and returns the call. */
  arrange(fixture: Fixture, caller: Caller): Promise<() => Promise<unknown>>;
}

const get = (cookie: string, path: string) =>
  new Request(`${URL_BASE}${path}`, { headers: { Cookie: cookie } });
const confirmation = (confirmed: boolean): [string, string][] =>
  confirmed ? [["confirmed", "yes"]] : [];
const bulk = (
  action: string,
  ids: number[],
  extra: [string, string][] = [],
): [string, string][] => [
  ["intent", "bulk"],
  ["action", action],
  ...extra,
  ...ids.map((id): [string, string] => ["id", String(id)]),
];

/** A page read after the caller got fresh rows of their own, so no list it shows is empty; `path` may filter on their word. */
const loaderCase = (
  name: string,
  callers: Caller[],
  path: (word: string) => string,
  loader: (a: ReturnType<typeof args>) => Promise<unknown>,
): RouteCase => ({
  name,
  kind: "loader",
  callers,
  status: 200,
  async arrange(fixture, caller) {
    const cookie = await fixture.cookie(caller);
    const word = fixture.word();
    await fixture.todos(CALLERS[caller], 2, word);
    return () => loader(args(get(cookie, path(word))));
  },
});

/** An action on one todo of the caller's own. */
const ownTodoCase = (intent: string, fields: Record<string, string> = {}): RouteCase => ({
  name: `POST /todos ${intent}`,
  kind: "action",
  callers: EVERYONE,
  status: 303,
  async arrange(fixture, caller) {
    const cookie = await fixture.cookie(caller);
    const [id] = await fixture.todos(CALLERS[caller], 1);
    return () =>
      todosAction(args(formPost("/todos", { intent, id: String(id), ...fields }, cookie)));
  },
});

/** A queue action on a member's todo. */
const queueCase = (
  intent: string,
  callers: Caller[],
  fields: Record<string, string> = {},
): RouteCase => ({
  name: `POST /review ${intent}`,
  kind: "action",
  callers,
  status: 303,
  async arrange(fixture, caller) {
    const cookie = await fixture.cookie(caller);
    const [id] = await fixture.todos(CALLERS.member, 1);
    return () =>
      reviewAction(args(formPost("/review", { intent, id: String(id), ...fields }, cookie)));
  },
});

/** A bulk action on a filter (the page's URL) matching a few rows of this fixture only. */
const filterCase = (name: string, action: string, confirmed: boolean): RouteCase => ({
  name,
  kind: "action",
  callers: ADMINS,
  status: confirmed ? 303 : 200,
  async arrange(fixture, caller) {
    const cookie = await fixture.cookie(caller);
    const word = fixture.word();
    await fixture.todos(CALLERS.member, 3, word);
    return () =>
      bulkAction(
        args(
          formPost(
            `/todos/bulk?q=${word}`,
            bulk(action, [], [["scope", "filter"], ...confirmation(confirmed)]),
            cookie,
          ),
        ),
      );
  },
});

const reassignCase = (name: string, confirmed: boolean): RouteCase => ({
  name,
  kind: "action",
  callers: ADMINS,
  status: confirmed ? 303 : 200,
  async arrange(fixture, caller) {
    const cookie = await fixture.cookie(caller);
    const ids = await fixture.todos(CALLERS.member, 3);
    return () =>
      bulkAction(
        args(
          formPost(
            "/todos/bulk",
            bulk("reassign", ids, [["owner", fixture.reassignee], ...confirmation(confirmed)]),
            cookie,
          ),
        ),
      );
  },
});

/** Every route that reaches Postgres, as each caller allowed to call it. */
export const ROUTE_CASES: RouteCase[] = [
  loaderCase("GET root (layout)", EVERYONE, () => "/todos", rootLoader),
  loaderCase("GET /todos", EVERYONE, () => "/todos", todosLoader),
  loaderCase(
    "GET /todos?status&verdict&q&sort",
    EVERYONE,
    (word) => `/todos?status=open&verdict=unreviewed&q=${word}&sort=oldest`,
    todosLoader,
  ),
  loaderCase("GET /review", REVIEWERS, () => "/review", reviewLoader),
  loaderCase("GET /audit", ADMINS, () => "/audit", auditLoader),
  {
    name: "GET /todos/:id",
    kind: "loader",
    callers: EVERYONE,
    status: 200,
    async arrange(fixture, caller) {
      const cookie = await fixture.cookie(caller);
      const [id] = await fixture.todos(CALLERS[caller], 1);
      return () =>
        todoPageLoader({ ...args(get(cookie, `/todos/${id}`)), params: { id: String(id) } });
    },
  },
  {
    name: "POST /todos create",
    kind: "action",
    callers: EVERYONE,
    status: 303,
    async arrange(fixture, caller) {
      const cookie = await fixture.cookie(caller);
      const word = fixture.word();
      return () =>
        todosAction(
          args(formPost("/todos", { intent: "create", task: `${word} created` }, cookie)),
        );
    },
  },
  ownTodoCase("update", { task: "edited" }),
  ownTodoCase("toggle"),
  ownTodoCase("delete"),
  {
    name: "POST /todos/bulk complete (ids)",
    kind: "action",
    callers: ADMINS,
    status: 303,
    async arrange(fixture, caller) {
      const cookie = await fixture.cookie(caller);
      const ids = await fixture.todos(CALLERS.member, 3);
      return () => bulkAction(args(formPost("/todos/bulk", bulk("complete", ids), cookie)));
    },
  },
  filterCase("POST /todos/bulk delete (filter): confirm step", "delete", false),
  filterCase("POST /todos/bulk delete (filter): confirmed", "delete", true),
  reassignCase("POST /todos/bulk reassign (ids): confirm step", false),
  reassignCase("POST /todos/bulk reassign (ids): confirmed", true),
  {
    name: "POST /revert (undo a delete)",
    kind: "action",
    callers: EVERYONE,
    status: 303,
    async arrange(fixture, caller) {
      const cookie = await fixture.cookie(caller);
      const [id] = await fixture.todos(CALLERS[caller], 1);
      await todosAction(args(formPost("/todos", { intent: "delete", id: String(id) }, cookie)));
      const tx = await fixture.deletedIn(id);
      return () => revertAction(args(formPost("/revert", { tx: String(tx) }, cookie)));
    },
  },
  {
    name: "POST /review verdict",
    kind: "action",
    callers: REVIEWERS,
    status: 303,
    async arrange(fixture, caller) {
      const cookie = await fixture.cookie(caller);
      const [id] = await fixture.todos(CALLERS.member, 1);
      return () =>
        reviewAction(
          args(
            formPost("/review", { intent: "review", id: String(id), verdict: "approved" }, cookie),
          ),
        );
    },
  },
  queueCase("claim", REVIEWERS),
  queueCase("escalate", ["moderator"], { reason: "spam", note: "a second look" }),
  {
    name: "POST /review resolve",
    kind: "action",
    callers: ["admin"],
    status: 303,
    async arrange(fixture, caller) {
      const cookie = await fixture.cookie(caller);
      const [id] = await fixture.todos(CALLERS.member, 1);
      await fixture.escalate(id, CALLERS.moderator);
      return () =>
        reviewAction(args(formPost("/review", { intent: "resolve", id: String(id) }, cookie)));
    },
  },
  {
    name: "POST /sign-in (again)",
    kind: "action",
    callers: EVERYONE,
    status: 302,
    async arrange(fixture, caller) {
      const cookie = await fixture.freshCookie(caller);
      return () => signIn(args(formPost("/sign-in", { identity: CALLERS[caller] }, cookie)));
    },
  },
  {
    name: "POST /sign-out",
    kind: "action",
    callers: EVERYONE,
    status: 303,
    async arrange(fixture, caller) {
      const cookie = await fixture.freshCookie(caller);
      return () => signOut(args(formPost("/sign-out", {}, cookie)));
    },
  },
  {
    name: "POST /switch (to personal)",
    kind: "action",
    callers: EVERYONE,
    status: 303,
    async arrange(fixture, caller) {
      const cookie = await fixture.freshCookie(caller);
      return () =>
        switchOrg(
          args(
            formPost("/switch", { identity: CALLERS[caller], org: "", returnTo: "/todos" }, cookie),
          ),
        );
    },
  },
];

export interface Measurement {
  route: string;
  kind: "loader" | "action";
  caller: Caller;
  limit: number;
  expectedStatus: number;
  status: number;
  window: WireWindow;
}

/** One call of every route as every caller allowed to, each counted on its own. */
export async function measureRoutes(
  counter: WireCounter,
  fixture: Fixture,
): Promise<Measurement[]> {
  const measured: Measurement[] = [];
  for (const routeCase of ROUTE_CASES) {
    for (const caller of routeCase.callers) {
      const call = await routeCase.arrange(fixture, caller);
      await warmPools();
      const { result, window } = await counter.measure(() => settle(call));
      measured.push({
        route: routeCase.name,
        kind: routeCase.kind,
        caller,
        limit: ROUND_TRIP_LIMITS[routeCase.kind],
        expectedStatus: routeCase.status,
        status: result.response.status,
        window,
      });
    }
  }
  return measured;
}

export const clip = (sql: string, width = 100) => {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
};

/** One line per route and caller; with `statements`, each call's SQL below it, by round trip. */
export function formatMeasurements(
  measured: Measurement[],
  options: { statements?: boolean } = {},
): string {
  const header = ["route", "as", "round trips", "statements", "limit", "within", "status"];
  const rows = measured.map((m) => [
    m.route,
    m.caller,
    String(m.window.roundTrips),
    String(m.window.statements.length),
    `≤ ${m.limit}`,
    m.window.roundTrips <= m.limit ? "yes" : "NO",
    m.status === m.expectedStatus ? String(m.status) : `${m.status} (expected ${m.expectedStatus})`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join("  ");
  const lines = [render(header), widths.map((width) => "-".repeat(width)).join("  ")];
  rows.forEach((row, index) => {
    lines.push(render(row));
    if (options.statements)
      for (const s of measured[index].window.statements)
        lines.push(`    rt ${s.roundTrip}  ${clip(s.sql)}`);
  });
  return lines.join("\n");
}
