import { expect, test } from "@playwright/test";
import fc from "fast-check";
import { AUDIT_PAGE_SIZE } from "../db/audit.server";
import { decodeCursor, encodeCursor } from "../db/cursor";
import { DEMO_IDENTITIES } from "../db/demo-identities";
import {
  apply,
  changesTodo,
  isMember,
  listPages,
  membershipKey,
  queue,
  seesTodo,
  type Caller,
  type Json,
  type Op,
  type ReviewRow,
  type State,
  type Step,
  type TodoRow,
  type Verdict,
  type VerdictFilter,
} from "../db/model/permissions";
import { PAGE_SIZE } from "../db/todo-list.server";
import { capabilitiesOf } from "../roles/capabilities";
import {
  dataPath,
  demoWorkspaces,
  openWorkspace,
  type AuditData,
  type HttpClient,
  type ListedTodo,
  type QueueData,
  routeData,
  type TodosData,
  type Workspace,
} from "./http-client";
import { APP_ORIGIN } from "./origin";
import { ownerDatabase } from "./owner-db";

/**
 * The permission model (db/model/permissions.ts) held against the running
 * app over HTTP. Every demo identity, in each of its organizations and its
 * personal workspace, sends generated reads and writes through the app's own
 * routes, with ids of every tenant; after each answer the owner's view of the
 * database says whether the app showed a row the model forbids, or changed
 * anything the model did not allow. The rows this file changes are its own:
 * a write the model says would change another spec's data is aimed at one of
 * this file's rows instead, so a correct app leaves the shared seed alone.
 */

type OwnerDatabase = Awaited<ReturnType<typeof ownerDatabase>>;

const SEED = 20_261_126;
const RUNS_PER_WORKSPACE = 30;
/** QUEUE_LENGTH of app/routes/review.tsx: how many items each list of the queue shows. */
const QUEUE_LENGTH = 20;
/** Every task this file writes carries it, so filters and cleanup can find exactly this run's rows. */
const MARK = `mh${Date.now().toString(36)}`;
const USERS = [...DEMO_IDENTITIES.map((identity) => identity.userId), "user_nobody"];

// ---------------------------------------------------------------------------
// The truth: the owner's view, as the model's state.
// ---------------------------------------------------------------------------

interface Truth {
  state: State;
  todo: Map<number, TodoRow>;
  /** `inserted_at` as Postgres prints it: what a page cursor carries. */
  printedAt: Map<number, string>;
  maxAuditId: number;
}

/** Timestamps as whole microseconds, so the model orders rows exactly as Postgres does. */
const MICROS = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint`;

async function readTruth(db: OwnerDatabase): Promise<Truth> {
  const todos = await db.query<{
    id: string;
    tenant_id: string;
    user_id: string;
    task: string;
    is_complete: boolean;
    at: string;
    printed: string;
  }>(
    `select id, tenant_id, user_id, task, is_complete, ${MICROS("inserted_at")} as at, inserted_at::text as printed from todos order by id`,
  );
  // In creation order: the model takes the last review it reads as a todo's latest.
  const reviews = await db.query<{
    id: string;
    todo_id: string;
    tenant_id: string;
    reviewer_id: string;
    verdict: Verdict;
    note: string | null;
    at: string;
  }>(
    `select id, todo_id, tenant_id, reviewer_id, verdict, note, ${MICROS("created_at")} as at from todo_reviews order by created_at, id`,
  );
  const people = await db.query<{ id: string; name: string; deleted: boolean }>(
    "select id, coalesce(display_name, id) as name, deleted_at is not null as deleted from directory.users",
  );
  const memberships = await db.query<{ organization_id: string; user_id: string }>(
    "select organization_id, user_id from directory.memberships where deleted_at is null",
  );
  const [audit] = await db.query<{ max: string | null }>(
    "select max(id) as max from audit.audit_log",
  );
  const rows: TodoRow[] = todos.map((t) => ({
    id: Number(t.id),
    tenant: t.tenant_id,
    owner: t.user_id,
    task: t.task,
    done: t.is_complete,
    insertedAt: Number(t.at),
  }));
  const reviewRows: ReviewRow[] = reviews.map((r) => ({
    seq: Number(r.id),
    todoId: Number(r.todo_id),
    tenant: r.tenant_id,
    reviewer: r.reviewer_id,
    verdict: r.verdict,
    note: r.note,
    createdAt: Number(r.at),
  }));
  const state: State = {
    todos: rows,
    reviews: reviewRows,
    people: Object.fromEntries(people.map((p) => [p.id, { name: p.name, deleted: p.deleted }])),
    memberships: memberships.map((m) => membershipKey(m.organization_id, m.user_id)),
    clock: Math.max(0, ...rows.map((t) => t.insertedAt), ...reviewRows.map((r) => r.createdAt)),
    nextReviewSeq: Math.max(0, ...reviewRows.map((r) => r.seq)) + 1,
  };
  return {
    state,
    todo: new Map(rows.map((t) => [t.id, t])),
    printedAt: new Map(todos.map((t) => [Number(t.id), t.printed])),
    maxAuditId: Number(audit.max ?? 0),
  };
}

async function micros(db: OwnerDatabase, printed: string): Promise<number> {
  const [row] = await db.query<{ at: string }>(`select ${MICROS("$1::timestamptz")} as at`, [
    printed,
  ]);
  return Number(row.at);
}

/** A todo id to aim at: from every tenant's rows (and two ids that do not exist), or from the caller's own tenant, where writes may land. */
interface Aim {
  pool: "any" | "tenant";
  n: number;
}

function idAt(truth: Truth, caller: Caller, target: Aim): number {
  const all = [...truth.todo.values()];
  const top = Math.max(0, ...all.map((t) => t.id));
  const pool =
    target.pool === "tenant"
      ? all.filter((t) => t.tenant === caller.tenant).map((t) => t.id)
      : [...all.map((t) => t.id), top + 1, top + 1000];
  return pool.length ? pool[target.n % pool.length] : top + 1;
}

// ---------------------------------------------------------------------------
// The oracles.
// ---------------------------------------------------------------------------

/** The leak oracle: every todo an answer shows must be one the model lets this caller read. */
function unseeable(truth: Truth, caller: Caller, rows: readonly ListedTodo[]): string[] {
  return rows.flatMap((row) => {
    const t = truth.todo.get(row.id);
    if (!t) return [`#${row.id} (no such todo)`];
    return seesTodo(caller, t) ? [] : [`#${row.id} (tenant ${t.tenant}, owner ${t.owner})`];
  });
}

/**
 * The audit log's SELECT policy (db/schema.ts) in the model's terms: admins
 * read the entries of the rows their SELECT on todos reaches, their active
 * organization's, whoever owned them; nobody else reads any.
 */
const seesAuditEntry = (caller: Caller, tenant: string | null) =>
  caller.role === "admin_backend" && seesTodo(caller, { tenant, owner: null });

/** A listed todo as the model prints it: the timestamps are Postgres's to choose, and the model keeps no reasons. */
function withoutTimes(row: ListedTodo): Json {
  const { insertedAt: _inserted, reviewedAt: _reviewed, verdictReason: _reason, ...rest } = row;
  return rest;
}

const todoLine = (t: Pick<TodoRow, "tenant" | "owner" | "task" | "done">) =>
  `${t.tenant} ${t.owner} ${t.done ? "done" : "open"} ${JSON.stringify(t.task)}`;
// The app records an empty note as none; the model's operation carries the note as text.
const reviewLine = (r: Pick<ReviewRow, "todoId" | "tenant" | "reviewer" | "verdict" | "note">) =>
  JSON.stringify([r.todoId, r.tenant, r.reviewer, r.verdict, r.note || null]);

/** Every todo and review as the model's next state says, nothing else: so nothing outside what it allowed changed either. */
function expectState(label: string, after: Truth, expected: State) {
  const want = new Map(expected.todos.map((t) => [t.id, todoLine(t)]));
  const got = new Map([...after.todo.values()].map((t) => [t.id, todoLine(t)]));
  const wrong = [...new Set([...want.keys(), ...got.keys()])]
    .filter((id) => want.get(id) !== got.get(id))
    .map((id) => `#${id}: model ${want.get(id) ?? "(none)"}, database ${got.get(id) ?? "(none)"}`);
  expect(wrong, `${label}: todos differ from the model's next state`).toEqual([]);
  const count = (lines: string[]) =>
    lines.reduce(
      (tally, line) => tally.set(line, (tally.get(line) ?? 0) + 1),
      new Map<string, number>(),
    );
  const wantReviews = count(expected.reviews.map(reviewLine));
  const gotReviews = count(after.state.reviews.map(reviewLine));
  const reviewsWrong = [...new Set([...wantReviews.keys(), ...gotReviews.keys()])]
    .filter((line) => wantReviews.get(line) !== gotReviews.get(line))
    .map(
      (line) =>
        `${line}: model ×${wantReviews.get(line) ?? 0}, database ×${gotReviews.get(line) ?? 0}`,
    );
  expect(reviewsWrong, `${label}: reviews differ from the model's next state`).toEqual([]);
}

/** What the model answers for an app operation that must not fail. */
function modelAnswer(label: string, step: Step): Json {
  if (!step.expect.ok)
    throw new Error(
      `${label}: the model expects the app's statement to fail (${step.expect.codes.join(", ")})`,
    );
  return step.expect.value;
}

// ---------------------------------------------------------------------------
// Generated operations.
// ---------------------------------------------------------------------------

interface ListQuery {
  owner?: string;
  status?: "open" | "complete";
  verdict?: VerdictFilter;
  q?: string;
  sort?: "newest" | "oldest";
}

/** The first page, a link from the previous answer, or a cursor forged from a row of any tenant. */
type Paging =
  | { kind: "first" }
  | { kind: "next" }
  | { kind: "previous" }
  | { kind: "forged"; direction: "after" | "before"; pick: Aim };

type BulkAction = "complete" | "reopen" | "delete" | "reassign";

type Command =
  | { kind: "list"; query: ListQuery; paging: Paging }
  | { kind: "queue" }
  | {
      kind: "audit";
      actor?: string;
      todo?: Aim;
      action?: "insert" | "update" | "delete";
      from?: string;
      to?: string;
      paging: Paging;
    }
  | { kind: "create"; task: string }
  | { kind: "toggle" | "delete"; pick: Aim }
  | { kind: "update"; pick: Aim; task: string }
  | { kind: "review"; pick: Aim; verdict: Verdict; note: string }
  | {
      kind: "bulk";
      action: BulkAction;
      target: { picks: Aim[] } | { status?: "open" | "complete"; owner?: string };
      owner: string;
      confirmed: boolean;
    };

const aim: fc.Arbitrary<Aim> = fc.record({
  pool: fc.constantFrom("any" as const, "tenant" as const),
  n: fc.nat(),
});
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
const paging: fc.Arbitrary<Paging> = fc.oneof(
  fc.constant({ kind: "first" as const }),
  fc.constant({ kind: "next" as const }),
  fc.constant({ kind: "previous" as const }),
  fc.record({
    kind: fc.constant("forged" as const),
    direction: fc.constantFrom("after" as const, "before" as const),
    pick: aim,
  }),
);
const task = fc.constantFrom(
  "alpha",
  "Bravo the report",
  "50% done",
  "a_b",
  "  padded  ",
  "Ünïcode ✓",
);

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("list" as const),
      query: fc.record(
        {
          owner: maybe(fc.constantFrom(...USERS)),
          status: maybe(fc.constantFrom("open" as const, "complete" as const)),
          verdict: maybe(
            fc.constantFrom("unreviewed" as const, "approved" as const, "flagged" as const),
          ),
          q: maybe(fc.constantFrom(MARK, "the", "GLOBEX", "50%", "a_b")),
          sort: maybe(fc.constantFrom("newest" as const, "oldest" as const)),
        },
        { requiredKeys: [] },
      ),
      paging,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "queue" as const }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant("audit" as const),
        actor: maybe(fc.constantFrom(...USERS)),
        todo: maybe(aim),
        action: maybe(fc.constantFrom("insert" as const, "update" as const, "delete" as const)),
        from: maybe(fc.constant("2000-01-01")),
        to: maybe(fc.constant("2099-12-31")),
        paging,
      },
      { requiredKeys: ["kind", "paging"] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("create" as const), task }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("toggle" as const, "delete" as const),
      pick: aim,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("update" as const), pick: aim, task }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("review" as const),
      pick: aim,
      verdict: fc.constantFrom("approved" as const, "flagged" as const),
      note: fc.constantFrom("", "looks fine", "  needs work  "),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("bulk" as const),
      action: fc.constantFrom(
        "complete" as const,
        "reopen" as const,
        "delete" as const,
        "reassign" as const,
      ),
      target: fc.oneof(
        {
          weight: 3,
          arbitrary: fc.record({ picks: fc.array(aim, { minLength: 1, maxLength: 4 }) }),
        },
        {
          weight: 1,
          arbitrary: fc.record(
            {
              status: maybe(fc.constantFrom("open" as const, "complete" as const)),
              owner: maybe(fc.constantFrom(...USERS)),
            },
            { requiredKeys: [] },
          ),
        },
      ),
      owner: fc.constantFrom(...USERS),
      confirmed: fc.boolean(),
    }),
  },
);

// ---------------------------------------------------------------------------
// Running them.
// ---------------------------------------------------------------------------

interface Session {
  workspace: Workspace;
  client: HttpClient;
  lastList: TodosData["links"] | null;
  lastAudit: AuditData["links"] | null;
}

interface Run {
  db: OwnerDatabase;
  /** This file's own rows: the only ones a write the model allows may touch. */
  ours: Set<number>;
  tally: Map<string, number>;
}

function count(run: Run, kind: string, status: number) {
  const key = `${kind} ${status}`;
  run.tally.set(key, (run.tally.get(key) ?? 0) + 1);
}

/** One of this file's rows, for a write the model would let through onto someone else's. */
function ownRow(run: Run, n: number): number | null {
  const ids = [...run.ours].sort((a, b) => a - b);
  return ids.length ? ids[n % ids.length] : null;
}

/** `id`, unless the model says this caller may change it and it is not ours: then one of ours. */
function aimed(run: Run, truth: Truth, caller: Caller, id: number, target: Aim): number | null {
  const row = truth.todo.get(id);
  const mayChange = row !== undefined && seesTodo(caller, row) && changesTodo(caller, row);
  return mayChange && !run.ours.has(id) ? ownRow(run, target.n) : id;
}

const listSearch = (query: ListQuery) => {
  const search = new URLSearchParams();
  for (const key of ["owner", "status", "verdict", "q", "sort"] as const)
    if (query[key] !== undefined) search.set(key, query[key]!);
  return search;
};

async function checkList(run: Run, session: Session, cmd: Extract<Command, { kind: "list" }>) {
  const { workspace } = session;
  const caller = workspace.caller;
  const truth = await readTruth(run.db);
  const link =
    cmd.paging.kind === "next"
      ? session.lastList?.next
      : cmd.paging.kind === "previous"
        ? session.lastList?.previous
        : null;
  const search = link ? new URLSearchParams(link) : listSearch(cmd.query);
  if (!link && cmd.paging.kind === "forged") {
    const id = idAt(truth, caller, cmd.paging.pick);
    const printed = truth.printedAt.get(id);
    if (printed) search.set(cmd.paging.direction, encodeCursor({ at: printed, id }));
  }
  const url = dataPath(`/todos?${search}`, "routes/todos");
  const label = `${workspace.label}: GET ${decodeURIComponent(url)}`;
  const answer = await session.client.get(url);
  count(run, "list", answer.status);
  expect(answer.status, label).toBe(200);
  const data = await routeData<TodosData>(answer, "routes/todos");
  session.lastList = data.links;

  expect(
    unseeable(truth, caller, data.todos),
    `${label}: rows the model says ${workspace.label} may not see`,
  ).toEqual([]);
  expect([data.userId, data.databaseRole], `${label}: who the page says is asking`).toEqual([
    caller.uid,
    caller.role,
  ]);

  // The page the model expects: its list filtered by the text search, then the cursor's page.
  const q = search.get("q")?.trim() || undefined;
  const sort = search.get("sort") === "oldest" ? "oldest" : "newest";
  const all = (
    listPages(truth.state, workspace.model, {
      owner: search.get("owner")?.trim() || undefined,
      status: (search.get("status") || undefined) as ListQuery["status"],
      verdict: (search.get("verdict") || undefined) as VerdictFilter | undefined,
      sort,
      limit: Number.MAX_SAFE_INTEGER,
    })[0] as { id: number; task: string }[]
  ).filter((row) => !q || row.task.toLowerCase().includes(q.toLowerCase()));
  const after = decodeCursor(search.get("after") ?? "");
  const before = decodeCursor(search.get("before") ?? "");
  let page = all.slice(0, PAGE_SIZE);
  const cursor = after ?? before;
  if (cursor) {
    const at = await micros(run.db, cursor.at);
    // Ascending (inserted_at, id) order of a row against the cursor.
    const against = (row: { id: number }) =>
      truth.todo.get(row.id)!.insertedAt - at || row.id - cursor.id;
    const beyond = (row: { id: number }) =>
      sort === "newest" ? against(row) < 0 : against(row) > 0;
    const behind = (row: { id: number }) =>
      sort === "newest" ? against(row) > 0 : against(row) < 0;
    page = after ? all.filter(beyond).slice(0, PAGE_SIZE) : all.filter(behind).slice(-PAGE_SIZE);
  }
  expect(data.todos.map(withoutTimes), `${label}: the page differs from the model's`).toEqual(page);
  expect(data.matching, `${label}: matching count`).toBe(Math.min(all.length, data.countCap + 1));
  expect(
    data.modifiable.sort((a, b) => a - b),
    `${label}: rows offered for editing`,
  ).toEqual(
    data.todos
      .filter((row) => changesTodo(caller, truth.todo.get(row.id)!))
      .map((row) => row.id)
      .sort((a, b) => a - b),
  );
  const members =
    capabilitiesOf(caller.role).browseAll && caller.org
      ? truth.state.memberships
          .filter((key) => key.startsWith(`${caller.org} `))
          .map((key) => key.slice(caller.org!.length + 1))
      : [];
  expect(
    data.members.map((member) => member.id).sort(),
    `${label}: people offered by the owner filter`,
  ).toEqual(
    members.filter((user) => truth.state.people[user] && !truth.state.people[user].deleted).sort(),
  );
}

async function checkQueue(run: Run, session: Session) {
  const { workspace } = session;
  const truth = await readTruth(run.db);
  const label = `${workspace.label}: GET /review`;
  const answer = await session.client.get(dataPath("/review", "routes/review"));
  count(run, "queue", answer.status);
  if (!capabilitiesOf(workspace.caller.role).review) {
    expect(answer.status, label).toBe(403);
    return;
  }
  expect(answer.status, label).toBe(200);
  const data = await routeData<QueueData>(answer, "routes/review");
  expect(
    unseeable(truth, workspace.caller, [...data.unreviewed, ...data.flagged]),
    `${label}: items the model says ${workspace.label} may not see`,
  ).toEqual([]);
  // Claims and escalations are the team queue's (decision 020): the model has neither, and no spec leaves a claim live.
  const { escalated: _escalated, ...counts } = data.counts;
  const listed = (items: QueueData["unreviewed"]) =>
    items.map(({ claim: _claim, ...row }) => withoutTimes(row));
  expect(
    { counts, unreviewed: listed(data.unreviewed), flagged: listed(data.flagged) },
    `${label}: the queue differs from the model's`,
  ).toEqual(queue(truth.state, workspace.model, QUEUE_LENGTH));
}

async function checkAudit(run: Run, session: Session, cmd: Extract<Command, { kind: "audit" }>) {
  const { workspace } = session;
  const caller = workspace.caller;
  const truth = await readTruth(run.db);
  const link =
    cmd.paging.kind === "next"
      ? session.lastAudit?.next
      : cmd.paging.kind === "previous"
        ? session.lastAudit?.previous
        : null;
  const search = new URLSearchParams(link ?? "");
  if (!link) {
    if (cmd.actor) search.set("actor", cmd.actor);
    if (cmd.todo !== undefined) search.set("todo", String(idAt(truth, caller, cmd.todo)));
    if (cmd.action) search.set("action", cmd.action);
    if (cmd.from) search.set("from", cmd.from);
    if (cmd.to) search.set("to", cmd.to);
    if (cmd.paging.kind === "forged")
      search.set(cmd.paging.direction, String((cmd.paging.pick.n % (truth.maxAuditId + 10)) + 1));
  }
  const url = dataPath(`/audit?${search}`, "routes/audit");
  const label = `${workspace.label}: GET ${url}`;
  const answer = await session.client.get(url);
  count(run, "audit", answer.status);
  if (!capabilitiesOf(caller.role).readAudit) {
    expect(answer.status, label).toBe(403);
    return;
  }
  expect(answer.status, label).toBe(200);
  const data = await routeData<AuditData>(answer, "routes/audit");
  session.lastAudit = data.links;

  const ids = data.entries.map((entry) => entry.id);
  const tenants = new Map(
    (
      await run.db.query<{ id: string; tenant_id: string | null }>(
        "select id, tenant_id from audit.audit_log where id = any($1::bigint[])",
        [ids],
      )
    ).map((row) => [Number(row.id), row.tenant_id]),
  );
  const leaks = data.entries.flatMap((entry) => {
    const tenant = tenants.get(entry.id) ?? null;
    if (!seesAuditEntry(caller, tenant)) return [`entry ${entry.id} (tenant ${tenant})`];
    // An entry's row images must be of the entry's own tenant.
    return [entry.before, entry.after]
      .filter((image) => image && image.tenant_id !== tenant)
      .map((image) => `entry ${entry.id} carries a row of ${String(image!.tenant_id)}`);
  });
  expect(leaks, `${label}: audit entries the model says ${workspace.label} may not see`).toEqual(
    [],
  );

  // The page the policy allows: the organization's entries, newest first, through the same filters and keyset.
  const where = ["tenant_id = $1"];
  const params: unknown[] = [caller.org];
  const add = (condition: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  const value = (name: string) => search.get(name) || undefined;
  if (value("actor")) add((n) => `actor = ${n}`, value("actor"));
  if (value("todo")) add((n) => `todo_id = ${n}`, value("todo"));
  if (value("action")) add((n) => `action = ${n}::audit.audit_action`, value("action"));
  if (value("from"))
    add((n) => `occurred_at >= ${n}::date::timestamp at time zone 'UTC'`, value("from"));
  if (value("to"))
    add((n) => `occurred_at < (${n}::date + 1)::timestamp at time zone 'UTC'`, value("to"));
  const backwards = !value("after") && Boolean(value("before"));
  if (value("after")) add((n) => `id < ${n}`, value("after"));
  else if (value("before")) add((n) => `id > ${n}`, value("before"));
  const rows = await run.db.query<{ id: string }>(
    `select id from audit.audit_log where ${where.join(" and ")} order by id ${backwards ? "asc" : "desc"} limit ${AUDIT_PAGE_SIZE}`,
    params,
  );
  const expected = rows.map((row) => Number(row.id));
  if (backwards) expected.reverse();
  expect(ids, `${label}: the page differs from the organization's entries`).toEqual(expected);
}

async function checkWrite(
  run: Run,
  session: Session,
  cmd: Extract<Command, { kind: "create" | "toggle" | "update" | "delete" | "review" | "bulk" }>,
) {
  const { workspace, client } = session;
  const caller = workspace.caller;
  const who = workspace.model;
  const before = await readTruth(run.db);
  let form: Record<string, string | string[]>;
  let path = "/todos";
  let op: Op | null;
  /** The model's answer as the status the app must give. */
  let status: (answer: Json) => number;

  switch (cmd.kind) {
    case "create": {
      const task = `${MARK} ${cmd.task}`;
      form = { intent: "create", task };
      op = { kind: "app.create", who, task: task.trim() };
      status = () => 303;
      break;
    }
    case "toggle":
    case "update":
    case "delete": {
      const id = aimed(run, before, caller, idAt(before, caller, cmd.pick), cmd.pick);
      if (id === null) return;
      const row = before.todo.get(id);
      const allowed = row !== undefined && seesTodo(caller, row) && changesTodo(caller, row);
      form = {
        intent: cmd.kind,
        id: String(id),
        ...(cmd.kind === "update" ? { task: `${MARK} ${cmd.task}` } : {}),
      };
      op =
        cmd.kind === "update"
          ? { kind: "app.update", who, id, task: `${MARK} ${cmd.task}`.trim() }
          : { kind: cmd.kind === "toggle" ? "app.toggle" : "app.delete", who, id };
      // The headline: the row changes exactly when changesTodo says so, and the answer says which.
      status = (answer) => {
        expect(
          answer !== null,
          `${workspace.label}: ${cmd.kind} #${id}: the model's apply disagrees with changesTodo`,
        ).toBe(allowed);
        return allowed ? 303 : 404;
      };
      break;
    }
    case "review": {
      const note = cmd.note.trim();
      const outcome = (id: number) =>
        modelAnswer(
          "review",
          apply(before.state, { kind: "app.review", who, todoId: id, verdict: cmd.verdict, note }),
        );
      let id = idAt(before, caller, cmd.pick);
      if (outcome(id) === "recorded" && !run.ours.has(id)) {
        const own = ownRow(run, cmd.pick.n);
        if (own === null) return;
        id = own;
      }
      path = "/review";
      // The model keeps no reasons; every flag gives one, as the form requires.
      form = {
        intent: "review",
        id: String(id),
        verdict: cmd.verdict,
        note: cmd.note,
        ...(cmd.verdict === "flagged" ? { reason: "spam" } : {}),
      };
      op = { kind: "app.review", who, todoId: id, verdict: cmd.verdict, note };
      status = (answer) =>
        ({ recorded: 303, missing: 404, "own-todo": 403 })[
          answer as "recorded" | "missing" | "own-todo"
        ];
      break;
    }
    case "bulk": {
      let ids: number[];
      const fields: Record<string, string | string[]> = { intent: "bulk", action: cmd.action };
      path = "/todos/bulk";
      if ("picks" in cmd.target) {
        const aimedIds = cmd.target.picks.map((target) =>
          aimed(run, before, caller, idAt(before, caller, target), target),
        );
        if (aimedIds.includes(null)) return;
        ids = [...new Set(aimedIds as number[])];
        fields.id = ids.map(String);
      } else {
        // The whole filter, narrowed by this run's mark to this file's rows.
        const { status: wanted, owner } = cmd.target;
        ids = [...before.todo.values()]
          .filter(
            (t) =>
              t.task.toLowerCase().includes(MARK) &&
              (!wanted || t.done === (wanted === "complete")) &&
              (!owner || t.owner === owner),
          )
          .map((t) => t.id);
        fields.scope = "filter";
        path = `/todos/bulk?${listSearch({ q: MARK, status: wanted, owner })}`;
      }
      if (cmd.action === "reassign") fields.owner = cmd.owner;
      if (cmd.confirmed) fields.confirmed = "yes";
      form = fields;
      const target = { ids };
      const stranger = !(
        caller.org &&
        isMember(before.state, caller.org, cmd.owner) &&
        before.state.people[cmd.owner] &&
        !before.state.people[cmd.owner].deleted
      );
      if (!capabilitiesOf(caller.role).bulkEdit) {
        op = null;
        status = () => 403;
      } else if ((cmd.action === "delete" || cmd.action === "reassign") && !cmd.confirmed) {
        // Asked first: nothing changes; a reassign to a non-member is refused before anyone is asked.
        op = null;
        status = () => (cmd.action === "reassign" && stranger ? 400 : 200);
      } else if (cmd.action === "reassign") {
        op = { kind: "app.reassign", who, target, owner: cmd.owner };
        status = (answer) => (answer === "not-a-member" ? 400 : 303);
      } else {
        op = { kind: "app.bulk", who, action: cmd.action, target };
        status = () => 303;
      }
      break;
    }
  }

  const label = `${workspace.label}: POST ${path} ${JSON.stringify(form)}`;
  const answer = await client.post(path, form);
  count(run, cmd.kind === "bulk" ? `bulk ${cmd.action}` : cmd.kind, answer.status);
  expect(answer.status, `${label}: a server error`).toBeLessThan(500);
  const after = await readTruth(run.db);

  const created = [...after.todo.keys()].filter((id) => !before.todo.has(id));
  const step: Step = op
    ? apply(before.state, op, { assignedId: created[0] })
    : { expect: { ok: true, value: null }, next: before.state };
  expect(
    answer.status,
    `${label}: status for the model's answer ${JSON.stringify(step.expect)}`,
  ).toBe(status(modelAnswer(label, step)));
  expectState(label, after, step.next);

  for (const id of created) run.ours.add(id);
  for (const id of run.ours) if (!after.todo.has(id)) run.ours.delete(id);
}

function perform(run: Run, session: Session, cmd: Command): Promise<void> {
  switch (cmd.kind) {
    case "list":
      return checkList(run, session, cmd);
    case "queue":
      return checkQueue(run, session);
    case "audit":
      return checkAudit(run, session, cmd);
    default:
      return checkWrite(run, session, cmd);
  }
}

// ---------------------------------------------------------------------------
// The tests: one per identity, each through all of its workspaces.
// ---------------------------------------------------------------------------

test.describe("the permission model over HTTP", () => {
  const workspaces = demoWorkspaces();
  const sessions = new Map<string, Session>();
  let shared: Run;

  test.beforeAll(async () => {
    test.setTimeout(60_000);
    shared = { db: await ownerDatabase(), ours: new Set(), tally: new Map() };
    // Two rows of this file's own in every workspace: rows of every tenant and owner that writes the model allows may touch.
    for (const workspace of workspaces) {
      const session: Session = {
        workspace,
        client: await openWorkspace(APP_ORIGIN, workspace),
        lastList: null,
        lastAudit: null,
      };
      sessions.set(workspace.label, session);
      for (const n of [1, 2])
        await checkWrite(shared, session, {
          kind: "create",
          task: `fixture ${n} of ${workspace.label}`,
        });
    }
  });

  test.afterAll(async () => {
    if (!shared) return;
    await shared.db.query("delete from todos where id = any($1::bigint[])", [[...shared.ours]]);
    await shared.db.close();
  });

  for (const identity of DEMO_IDENTITIES) {
    test(`${identity.userId} in each of its workspaces: answers never show what the model hides, writes change exactly what it allows`, async () => {
      test.setTimeout(120_000);
      shared.tally.clear();
      for (const workspace of workspaces.filter((candidate) => candidate.identity === identity)) {
        const session = sessions.get(workspace.label)!;
        await fc.assert(
          fc.asyncProperty(command, (cmd) => perform(shared, session, cmd)),
          // Stateful: a shrunk replay meets a server that has moved on, so the first counterexample is the one to read.
          {
            seed: SEED + workspaces.indexOf(workspace),
            numRuns: RUNS_PER_WORKSPACE,
            endOnFailure: true,
          },
        );
      }
      const tally = [...shared.tally].sort(([a], [b]) => a.localeCompare(b));
      console.log(
        `${identity.userId}: ${tally.reduce((sum, [, n]) => sum + n, 0)} requests (${tally.map(([key, n]) => `${key}: ${n}`).join(", ")})`,
      );
    });
  }
});
