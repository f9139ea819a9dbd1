/**
 * A pure model of Warden's authorization gate: what each request role, with
 * whatever claims it carries, may read and change in `todos` and
 * `todo_reviews`, and what Postgres answers when it may not. It is written
 * from the README and the policies and triggers as specified (db/schema.ts,
 * migrations 0004–0011), not from the code it checks, so the fuzzer
 * (db/model/fuzz.ts) can hold the real database to it statement by
 * statement. Nothing here touches a database.
 *
 * How Postgres refuses matters as much as whether: a row the USING side of a
 * policy hides is silently skipped (0 rows affected), a row that fails a
 * WITH CHECK, a trigger or a constraint fails the whole statement with an
 * error, and nothing of it stays.
 */

export type BackendRole = "authenticated_backend" | "moderator_backend" | "admin_backend";
export type Verdict = "approved" | "flagged";
export type Claims = Readonly<Record<string, unknown>>;

/** A caller as Postgres meets it: the login role of the connection and the claims set for the transaction. */
export interface ModelIdentity {
  label: string;
  role: BackendRole;
  claims: Claims;
}

/** What the policies read from a caller: `auth.user_id()`, `warden.active_org_id()`, `warden.tenant_id()`. */
export interface Caller {
  role: BackendRole;
  uid: string | null;
  org: string | null;
  tenant: string | null;
}

export interface TodoRow {
  id: number;
  tenant: string;
  owner: string;
  task: string;
  done: boolean;
  /** The transaction that inserted it: `inserted_at` is that transaction's `now()`. */
  insertedAt: number;
}

export interface ReviewRow {
  /** Creation order; ids come from one sequence, so it is also the order of the real ids. */
  seq: number;
  todoId: number;
  tenant: string;
  reviewer: string;
  verdict: Verdict;
  note: string | null;
  createdAt: number;
}

/** A person's row in `directory.users`: a deletion leaves a tombstone that hides the person. */
interface Person {
  name: string;
  deleted: boolean;
}

export interface State {
  /** By id. */
  todos: readonly TodoRow[];
  /** By seq. */
  reviews: readonly ReviewRow[];
  people: Readonly<Record<string, Person>>;
  /** Live memberships, as `membershipKey(org, user)`. */
  memberships: readonly string[];
  /** Transactions so far; the next write's `now()` is `clock + 1`. */
  clock: number;
  nextReviewSeq: number;
}

export const membershipKey = (org: string, user: string) => `${org} ${user}`;

export function emptyState(): State {
  return { todos: [], reviews: [], people: {}, memberships: [], clock: 0, nextReviewSeq: 1 };
}

/** SQLSTATEs the gate answers with. */
export const CODES = {
  /** A WITH CHECK (or a policy of `false`) refused a row. */
  refused: "42501",
  /** A review's todo is not there in its tenant, or a todo's new owner is not a live member of its organization. */
  foreignKey: "23503",
  /** A tenant or an id was changed (migrations 0004, 0008). */
  immutable: "23000",
  notNull: "23502",
  duplicateId: "23505",
} as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The model's answer: a value, or a refusal by one of these SQLSTATEs (which row fails first is up to Postgres's scan order). */
export type Expected = { ok: true; value: Json } | { ok: false; codes: readonly string[] };
export type Observed = { ok: true; value: Json } | { ok: false; code: string };

/** JSON with every object's keys sorted, so equal values print equal whatever order their keys were built in. */
export function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export function agrees(expected: Expected, observed: Observed): boolean {
  if (!expected.ok || !observed.ok)
    return !expected.ok && !observed.ok && expected.codes.includes(observed.code);
  return canonical(expected.value) === canonical(observed.value);
}

// ---------------------------------------------------------------- claims

const ORG_ID = /^org_[A-Za-z0-9_-]+$/;
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** `warden.active_org_id()`: v2+ tokens (a numeric `v` ≥ 2) name it in `o.id`, older ones in `org_id`; only an organization id counts. */
function claimedOrg(claims: Claims): string | null {
  const v2 = typeof claims.v === "number" && claims.v >= 2;
  const raw = v2 ? (isObject(claims.o) ? claims.o.id : undefined) : claims.org_id;
  return typeof raw === "string" && ORG_ID.test(raw) && raw.length <= 104 ? raw : null;
}

export function callerOf(identity: ModelIdentity): Caller {
  const sub = identity.claims.sub;
  const uid = typeof sub === "string" && sub !== "" ? sub : null;
  const org = claimedOrg(identity.claims);
  return {
    role: identity.role,
    uid,
    org,
    tenant: org ?? (uid === null ? null : `personal:${uid}`),
  };
}

/** SQL `=`: null equals nothing. */
const same = (a: string | null, b: string | null) => a !== null && b !== null && a === b;
const inOrg = (c: Caller, tenant: string | null) => same(c.org, tenant);

// ---------------------------------------------------------------- policies

/** Which policy terms the model holds Postgres to; the variants are deliberately wrong, to prove a wrong model is caught. */
export type Variant = "faithful" | "members-insert-anywhere" | "no-separation-of-duties";

/** SELECT on todos. Members: their own rows in their tenant. Moderators and admins: their active organization, never a personal workspace. */
export function seesTodo(c: Caller, t: { tenant: string | null; owner: string | null }): boolean {
  if (c.role === "authenticated_backend") return same(c.tenant, t.tenant) && same(c.uid, t.owner);
  return inOrg(c, t.tenant);
}

/** UPDATE and DELETE USING on todos, and every WITH CHECK of a written row: members and moderators their own, admins their organization's. */
export function changesTodo(
  c: Caller,
  t: { tenant: string | null; owner: string | null },
): boolean {
  switch (c.role) {
    case "authenticated_backend":
      return same(c.tenant, t.tenant) && same(c.uid, t.owner);
    case "moderator_backend":
      return inOrg(c, t.tenant) && same(c.uid, t.owner);
    case "admin_backend":
      return inOrg(c, t.tenant);
  }
}

const insertsTodo = (
  variant: Variant,
  c: Caller,
  t: { tenant: string | null; owner: string | null },
) =>
  (variant === "members-insert-anywhere" && c.role === "authenticated_backend") ||
  changesTodo(c, t);

/**
 * Separation of duties: no verdict about a todo its reviewer owns, nor one
 * written by the todo's owner. The policy looks the todo up through the
 * caller's own RLS, so a todo the caller cannot see counts as no conflict.
 */
function separated(
  variant: Variant,
  state: State,
  c: Caller,
  r: { todoId: number; reviewer: string | null },
): boolean {
  if (variant === "no-separation-of-duties") return true;
  return !state.todos.some(
    (t) =>
      t.id === r.todoId && seesTodo(c, t) && (same(t.owner, r.reviewer) || same(t.owner, c.uid)),
  );
}

/** SELECT on todo_reviews. Members: reviews, in their tenant, of todos they see. Moderators and admins: their organization's. */
function seesReview(state: State, c: Caller, r: ReviewRow): boolean {
  if (c.role === "authenticated_backend")
    return same(c.tenant, r.tenant) && state.todos.some((t) => t.id === r.todoId && seesTodo(c, t));
  return inOrg(c, r.tenant);
}

/** INSERT and UPDATE WITH CHECK on todo_reviews. Members record none; moderators only as themselves. */
function writesReview(
  variant: Variant,
  state: State,
  c: Caller,
  r: { todoId: number; tenant: string | null; reviewer: string | null },
): boolean {
  switch (c.role) {
    case "authenticated_backend":
      return false;
    case "moderator_backend":
      return inOrg(c, r.tenant) && same(c.uid, r.reviewer) && separated(variant, state, c, r);
    case "admin_backend":
      return inOrg(c, r.tenant) && separated(variant, state, c, r);
  }
}

/** UPDATE and DELETE USING on todo_reviews: moderators their own verdicts (still separated), admins their organization's. */
function reachesReview(variant: Variant, state: State, c: Caller, r: ReviewRow): boolean {
  switch (c.role) {
    case "authenticated_backend":
      return false;
    case "moderator_backend":
      return writesReview(variant, state, c, r);
    case "admin_backend":
      return inOrg(c, r.tenant);
  }
}

// ---------------------------------------------------------------- directory

export const isMember = (state: State, org: string, user: string) =>
  state.memberships.includes(membershipKey(org, user));

/** `directory.is_live_member`: a live membership, and no tombstone for the person (a person never synced still counts). */
function isLiveMember(state: State, org: string, user: string | null): boolean {
  return user !== null && isMember(state, org, user) && !state.people[user]?.deleted;
}

/** The owner trigger (migrations/0010): an organization's todo goes only to a live member of it. */
const ownerRefused = (state: State, tenant: string | null, owner: string | null) =>
  tenant !== null && tenant.startsWith("org_") && !isLiveMember(state, tenant, owner);

/** A person's name as the caller's directory policies show it: themselves, and live members of their active organization. */
function shownName(state: State, c: Caller, user: string | null): string | null {
  if (user === null) return null;
  const person = state.people[user];
  if (!person || person.deleted) return null;
  return user === c.uid || (c.org !== null && isMember(state, c.org, user)) ? person.name : null;
}

/** `memberName`: a live member of the caller's active organization, by name, with a live person row. */
function memberName(state: State, c: Caller, user: string): string | null {
  if (c.org === null || !isMember(state, c.org, user)) return null;
  const person = state.people[user];
  return person && !person.deleted ? person.name : null;
}

// ---------------------------------------------------------------- reading

export function visibleTodos(state: State, identity: ModelIdentity): TodoRow[] {
  const c = callerOf(identity);
  return state.todos.filter((t) => seesTodo(c, t));
}

function visibleReviews(state: State, identity: ModelIdentity): ReviewRow[] {
  const c = callerOf(identity);
  return state.reviews.filter((r) => seesReview(state, c, r));
}

/** What `select * from todos` and `select * from todo_reviews` return to this identity. */
export function visible(
  state: State,
  identity: ModelIdentity,
): { todos: TodoRow[]; reviews: ReviewRow[] } {
  return { todos: visibleTodos(state, identity), reviews: visibleReviews(state, identity) };
}

/** The latest verdict on a todo among the reviews the caller may read (latest: created last, then highest id). */
function latestReviews(state: State, c: Caller): Map<number, ReviewRow> {
  const latest = new Map<number, ReviewRow>();
  for (const r of state.reviews) if (seesReview(state, c, r)) latest.set(r.todoId, r);
  return latest;
}

export type VerdictFilter = "unreviewed" | Verdict;
export interface TodoFilter {
  owner?: string;
  status?: "open" | "complete";
  verdict?: VerdictFilter;
}

function matches(filter: TodoFilter, t: TodoRow, latest: Map<number, ReviewRow>): boolean {
  if (filter.owner !== undefined && t.owner !== filter.owner) return false;
  if (filter.status !== undefined && t.done !== (filter.status === "complete")) return false;
  if (filter.verdict === "unreviewed") return !latest.has(t.id);
  if (filter.verdict !== undefined) return latest.get(t.id)?.verdict === filter.verdict;
  return true;
}

const byInsertion = (a: TodoRow, b: TodoRow) => a.insertedAt - b.insertedAt || a.id - b.id;

/** A row of `/todos` as the list functions return it, timestamps left out. */
function listRow(state: State, c: Caller, t: TodoRow, latest: Map<number, ReviewRow>): Json {
  const review = latest.get(t.id);
  return {
    id: t.id,
    userId: t.owner,
    ownerName: shownName(state, c, t.owner),
    task: t.task,
    isComplete: t.done,
    verdict: review?.verdict ?? null,
    verdictNote: review?.note ?? null,
    reviewerId: review?.reviewer ?? null,
    reviewerName: shownName(state, c, review?.reviewer ?? null),
  };
}

/** Every page of `/todos` for this filter and sort, `limit` rows a page. */
export function listPages(
  state: State,
  identity: ModelIdentity,
  query: TodoFilter & { sort: "newest" | "oldest"; limit: number },
): Json[][] {
  const c = callerOf(identity);
  const latest = latestReviews(state, c);
  const rows = state.todos
    .filter((t) => seesTodo(c, t) && matches(query, t, latest))
    .sort(byInsertion);
  if (query.sort === "newest") rows.reverse();
  const pages: Json[][] = [];
  for (let start = 0; start < rows.length || pages.length === 0; start += query.limit)
    pages.push(rows.slice(start, start + query.limit).map((t) => listRow(state, c, t, latest)));
  return pages;
}

/** The moderation queue: counts, unreviewed todos oldest first, flagged most recently flagged first; never the caller's own todos. */
export function queue(state: State, identity: ModelIdentity, limit: number): Json {
  const c = callerOf(identity);
  const latest = latestReviews(state, c);
  const seen = state.todos.filter((t) => seesTodo(c, t));
  const verdicts = [...latest.values()].map((r) => r.verdict);
  const approved = verdicts.filter((v) => v === "approved").length;
  const flagged = verdicts.filter((v) => v === "flagged").length;
  const notMine = (t: TodoRow) => t.owner !== c.uid;
  const unreviewed = seen.filter((t) => notMine(t) && !latest.has(t.id)).sort(byInsertion);
  const flaggedRows = seen
    .filter((t) => notMine(t) && latest.get(t.id)?.verdict === "flagged")
    .sort((a, b) => latest.get(b.id)!.createdAt - latest.get(a.id)!.createdAt || b.id - a.id);
  return {
    counts: { unreviewed: seen.length - approved - flagged, approved, flagged },
    unreviewed: unreviewed.slice(0, limit).map((t) => listRow(state, c, t, latest)),
    flagged: flaggedRows.slice(0, limit).map((t) => listRow(state, c, t, latest)),
  };
}

// ---------------------------------------------------------------- operations

export type BulkTarget = { ids: readonly number[] } | { filter: TodoFilter };

/** A value written in a column, or the column left to its default (`tenant_id`: the caller's tenant; `user_id`/`reviewer_id`: the caller). */
export type Column = { value: string } | "default";
/** Where INSERT … SELECT takes a column from: the source row, a value, or the default. */
export type CopiedColumn = "copy" | Column;

export type TodoSet =
  | { task: string }
  | { done: boolean }
  | "toggle"
  | { owner: string }
  | { tenant: string }
  | { idShift: number };
export type ReviewSet =
  { verdict: Verdict } | { reviewer: string } | { todoId: number } | { tenant: string };

/**
 * One statement by one identity. `app.*` are the app's own query functions
 * (db/todos.server.ts, db/reviews.server.ts, db/bulk.server.ts,
 * db/todo-list.server.ts); `sql.*` are raw statements the app never sends;
 * `dir.*` are the directory's writer applying Clerk events.
 */
export type Op =
  | { kind: "app.create"; who: ModelIdentity; task: string }
  | { kind: "app.update"; who: ModelIdentity; id: number; task: string }
  | { kind: "app.toggle"; who: ModelIdentity; id: number }
  | { kind: "app.delete"; who: ModelIdentity; id: number }
  | { kind: "app.review"; who: ModelIdentity; todoId: number; verdict: Verdict; note: string }
  | {
      kind: "app.bulk";
      who: ModelIdentity;
      action: "complete" | "reopen" | "delete";
      target: BulkTarget;
    }
  | { kind: "app.reassign"; who: ModelIdentity; target: BulkTarget; owner: string }
  | {
      kind: "app.list";
      who: ModelIdentity;
      sort: "newest" | "oldest";
      limit: number;
      filter: TodoFilter;
    }
  | { kind: "app.modifiable"; who: ModelIdentity; ids: readonly number[] }
  | { kind: "app.queue"; who: ModelIdentity; limit: number }
  | {
      kind: "sql.insertTodo";
      who: ModelIdentity;
      id: number;
      task: string;
      tenant: Column;
      owner: Column;
      returning: boolean;
    }
  | {
      kind: "sql.upsertTodo";
      who: ModelIdentity;
      id: number;
      task: string;
      tenant: Column;
      owner: Column;
      onConflict: "nothing" | "task" | "owner";
    }
  | {
      kind: "sql.copyTodos";
      who: ModelIdentity;
      idOffset: number;
      task: string;
      tenant: CopiedColumn;
      owner: CopiedColumn;
    }
  | {
      kind: "sql.updateTodos";
      who: ModelIdentity;
      set: TodoSet;
      where: { id: number } | "all";
      returning: boolean;
    }
  | { kind: "sql.takeOwnerOf"; who: ModelIdentity; source: number }
  | {
      kind: "sql.deleteTodos";
      who: ModelIdentity;
      where: { id: number } | "all";
      returning: boolean;
    }
  | {
      kind: "sql.insertReview";
      who: ModelIdentity;
      todoId: number;
      verdict: Verdict;
      note: string;
      tenant: Column;
      reviewer: Column;
    }
  | { kind: "sql.reviewAll"; who: ModelIdentity; verdict: Verdict; note: string; reviewer: Column }
  | { kind: "sql.updateReviews"; who: ModelIdentity; set: ReviewSet }
  | { kind: "sql.moveReviewsTo"; who: ModelIdentity; todoId: number }
  | { kind: "sql.deleteReviews"; who: ModelIdentity }
  | { kind: "dir.join"; org: string; user: string; name: string }
  | { kind: "dir.leave"; org: string; user: string }
  | { kind: "dir.deleteUser"; user: string };

export interface Step {
  expect: Expected;
  next: State;
}

interface ApplyOptions {
  variant?: Variant;
  /** The id Postgres gave the app's insert (`app.create` lets the sequence choose). */
  assignedId?: number;
}

const refused = (state: State, codes: Iterable<string>): Step => ({
  expect: { ok: false, codes: [...new Set(codes)].sort() },
  next: state,
});
const done = (value: Json, next: State): Step => ({ expect: { ok: true, value }, next });

/** A todo as the app's functions and RETURNING * show it. */
export const todoJson = (t: TodoRow): Json => ({
  id: t.id,
  tenant: t.tenant,
  owner: t.owner,
  task: t.task,
  done: t.done,
});

/** A review as `select * from todo_reviews` shows it, its id and time left out. */
export const reviewJson = (r: ReviewRow): Json => ({
  todoId: r.todoId,
  tenant: r.tenant,
  reviewer: r.reviewer,
  verdict: r.verdict,
  note: r.note,
});

type NewTodo = { id: number; tenant: string | null; owner: string | null; task: string };

/**
 * INSERT into todos, row by row in the order given: the owner trigger
 * (BEFORE, so ahead of RLS), the policy's WITH CHECK (and, with RETURNING,
 * the SELECT policy on the new row), NOT NULL, then the primary key. The
 * first failing row fails the statement.
 */
function insertTodos(
  variant: Variant,
  state: State,
  c: Caller,
  rows: readonly NewTodo[],
  returning: boolean,
): { error: string } | { next: State; made: TodoRow[] } {
  const ids = new Set(state.todos.map((t) => t.id));
  const made: TodoRow[] = [];
  const insertedAt = state.clock + 1;
  for (const row of rows) {
    if (row.owner !== c.uid && ownerRefused(state, row.tenant, row.owner))
      return { error: CODES.foreignKey };
    if (!insertsTodo(variant, c, row) || (returning && !seesTodo(c, row)))
      return { error: CODES.refused };
    if (row.tenant === null || row.owner === null) return { error: CODES.notNull };
    if (ids.has(row.id)) return { error: CODES.duplicateId };
    ids.add(row.id);
    made.push({
      id: row.id,
      tenant: row.tenant,
      owner: row.owner,
      task: row.task,
      done: false,
      insertedAt,
    });
  }
  return {
    next: {
      ...state,
      clock: insertedAt,
      todos: [...state.todos, ...made].sort((a, b) => a.id - b.id),
    },
    made,
  };
}

/**
 * UPDATE of todos over `targets` (the rows USING lets through). Per row:
 * the id and tenant triggers, the owner trigger, then WITH CHECK. Which
 * failing row Postgres meets first depends on its scan, so every failing
 * row's first error is a possible answer.
 */
function updateTodos(
  state: State,
  c: Caller,
  targets: readonly TodoRow[],
  change: (t: TodoRow) => TodoRow,
): { errors: string[] } | { next: State; changed: TodoRow[] } {
  const errors: string[] = [];
  const changed = targets.map((old) => {
    const row = change(old);
    if (row.id !== old.id || row.tenant !== old.tenant) errors.push(CODES.immutable);
    else if (row.owner !== old.owner && ownerRefused(state, row.tenant, row.owner))
      errors.push(CODES.foreignKey);
    else if (!changesTodo(c, row)) errors.push(CODES.refused);
    return row;
  });
  if (errors.length > 0) return { errors };
  const byId = new Map(changed.map((t) => [t.id, t]));
  return {
    next: { ...state, clock: state.clock + 1, todos: state.todos.map((t) => byId.get(t.id) ?? t) },
    changed,
  };
}

/** DELETE of todos; their reviews go too (ON DELETE CASCADE runs as the owner, past RLS). */
function deleteTodos(state: State, targets: readonly TodoRow[]): State {
  const gone = new Set(targets.map((t) => t.id));
  return {
    ...state,
    clock: state.clock + 1,
    todos: state.todos.filter((t) => !gone.has(t.id)),
    reviews: state.reviews.filter((r) => !gone.has(r.todoId)),
  };
}

type NewReview = {
  todoId: number;
  tenant: string | null;
  reviewer: string | null;
  verdict: Verdict;
  note: string | null;
};

/** The composite foreign key: a review's todo must exist in the review's own tenant. Checked after the statement's rows (an AFTER trigger). */
const todoExistsIn = (state: State, todoId: number, tenant: string) =>
  state.todos.some((t) => t.id === todoId && t.tenant === tenant);

function insertReviews(
  variant: Variant,
  state: State,
  c: Caller,
  rows: readonly NewReview[],
): Step {
  const createdAt = state.clock + 1;
  const made: ReviewRow[] = [];
  for (const row of rows) {
    if (!writesReview(variant, state, c, row)) return refused(state, [CODES.refused]);
    if (row.tenant === null || row.reviewer === null) return refused(state, [CODES.notNull]);
    made.push({
      ...row,
      tenant: row.tenant,
      reviewer: row.reviewer,
      seq: state.nextReviewSeq + made.length,
      createdAt,
    });
  }
  if (made.some((r) => !todoExistsIn(state, r.todoId, r.tenant)))
    return refused(state, [CODES.foreignKey]);
  return done(
    { rowCount: made.length },
    {
      ...state,
      clock: createdAt,
      reviews: [...state.reviews, ...made],
      nextReviewSeq: state.nextReviewSeq + made.length,
    },
  );
}

function updateReviews(
  variant: Variant,
  state: State,
  c: Caller,
  change: (r: ReviewRow) => ReviewRow,
): Step {
  const targets = state.reviews.filter((r) => reachesReview(variant, state, c, r));
  const errors: string[] = [];
  const changed = targets.map((old) => {
    const row = change(old);
    if (row.tenant !== old.tenant) errors.push(CODES.immutable);
    else if (!writesReview(variant, state, c, row)) errors.push(CODES.refused);
    return row;
  });
  if (errors.length > 0) return refused(state, errors);
  if (changed.some((r) => !todoExistsIn(state, r.todoId, r.tenant)))
    return refused(state, [CODES.foreignKey]);
  const bySeq = new Map(changed.map((r) => [r.seq, r]));
  return done(
    { rowCount: changed.length },
    { ...state, clock: state.clock + 1, reviews: state.reviews.map((r) => bySeq.get(r.seq) ?? r) },
  );
}

const columnValue = (column: Column, fallback: string | null) =>
  column === "default" ? fallback : column.value;

/** The rows a bulk action covers: the target, as the caller sees and may change them. */
function bulkRows(state: State, c: Caller, target: BulkTarget): TodoRow[] {
  const latest = latestReviews(state, c);
  const inTarget =
    "ids" in target
      ? (t: TodoRow) => target.ids.includes(t.id)
      : (t: TodoRow) => matches(target.filter, t, latest);
  return state.todos.filter((t) => seesTodo(c, t) && changesTodo(c, t) && inTarget(t));
}

function withPerson(state: State, user: string, person: Person): State {
  return { ...state, people: { ...state.people, [user]: person } };
}

/** The next state and the expected answer of one operation. A refused statement leaves the state as it was. */
export function apply(state: State, op: Op, options: ApplyOptions = {}): Step {
  const variant = options.variant ?? "faithful";
  if (op.kind === "dir.join") {
    const key = membershipKey(op.org, op.user);
    const joined = withPerson(state, op.user, { name: op.name, deleted: false });
    return done(null, {
      ...joined,
      memberships: joined.memberships.includes(key)
        ? joined.memberships
        : [...joined.memberships, key],
    });
  }
  if (op.kind === "dir.leave")
    return done(null, {
      ...state,
      memberships: state.memberships.filter((key) => key !== membershipKey(op.org, op.user)),
    });
  if (op.kind === "dir.deleteUser") {
    const person = state.people[op.user];
    return done(null, withPerson(state, op.user, { name: person?.name ?? op.user, deleted: true }));
  }

  const c = callerOf(op.who);
  const seen = (t: TodoRow) => seesTodo(c, t);
  const reachable = (t: TodoRow) => seesTodo(c, t) && changesTodo(c, t);
  const byId = (id: number) => (t: TodoRow) => t.id === id;

  switch (op.kind) {
    case "app.create": {
      // INSERT … RETURNING with every column defaulted: the tenant and owner come from the claims.
      // Its RETURNING holds the new row to the SELECT policy too, which is why a member's widened INSERT check never shows here.
      const result = insertTodos(
        variant,
        state,
        c,
        [{ id: options.assignedId ?? Number.NaN, tenant: c.tenant, owner: c.uid, task: op.task }],
        true,
      );
      if ("error" in result) return refused(state, [result.error]);
      return done(todoJson(result.made[0]), result.next);
    }
    case "app.update":
    case "app.toggle": {
      const targets = state.todos.filter((t) => t.id === op.id && reachable(t));
      const result = updateTodos(state, c, targets, (t) =>
        op.kind === "app.update" ? { ...t, task: op.task } : { ...t, done: !t.done },
      );
      if ("errors" in result) return refused(state, result.errors);
      return done(
        result.changed.length ? todoJson(result.changed[0]) : null,
        result.changed.length ? result.next : state,
      );
    }
    case "app.delete": {
      const targets = state.todos.filter((t) => t.id === op.id && reachable(t));
      return done(
        targets.length ? todoJson(targets[0]) : null,
        targets.length ? deleteTodos(state, targets) : state,
      );
    }
    case "app.review": {
      const step = insertReviews(variant, state, c, [
        {
          todoId: op.todoId,
          tenant: c.tenant,
          reviewer: c.uid,
          verdict: op.verdict,
          note: op.note,
        },
      ]);
      if (step.expect.ok) return done("recorded", step.next);
      // recordReview reads a missing todo and a refusal as outcomes; anything else it throws.
      const codes = step.expect.codes;
      if (codes.length === 1 && codes[0] === CODES.foreignKey) return done("missing", state);
      if (codes.length === 1 && codes[0] === CODES.refused) return done("own-todo", state);
      return step;
    }
    case "app.bulk": {
      const rows = bulkRows(state, c, op.target);
      if (op.action === "delete")
        return done({ changed: rows.length }, rows.length ? deleteTodos(state, rows) : state);
      const complete = op.action === "complete";
      const targets = rows.filter((t) => t.done !== complete);
      const result = updateTodos(state, c, targets, (t) => ({ ...t, done: complete }));
      if ("errors" in result) return refused(state, result.errors);
      return done({ changed: targets.length }, targets.length ? result.next : state);
    }
    case "app.reassign": {
      const targets = bulkRows(state, c, op.target).filter((t) => t.owner !== op.owner);
      const result = updateTodos(state, c, targets, (t) => ({ ...t, owner: op.owner }));
      const ownerName = memberName(state, c, op.owner);
      if ("errors" in result)
        return result.errors.includes(CODES.foreignKey)
          ? done("not-a-member", state)
          : refused(state, result.errors);
      // With no row moved the trigger never ran; the app refuses a stranger itself.
      if (targets.length === 0 && ownerName === null) return done("not-a-member", state);
      return done({ changed: targets.length, ownerName }, targets.length ? result.next : state);
    }
    case "app.list":
      return done(
        listPages(state, op.who, { ...op.filter, sort: op.sort, limit: op.limit }),
        state,
      );
    case "app.modifiable":
      // A locking read (FOR KEY SHARE) must pass the UPDATE policy's USING as well as SELECT's.
      return done(
        state.todos.filter((t) => op.ids.includes(t.id) && reachable(t)).map((t) => t.id),
        state,
      );
    case "app.queue":
      return done(queue(state, op.who, op.limit), state);

    case "sql.insertTodo": {
      const row = {
        id: op.id,
        tenant: columnValue(op.tenant, c.tenant),
        owner: columnValue(op.owner, c.uid),
        task: op.task,
      };
      const result = insertTodos(variant, state, c, [row], op.returning);
      if ("error" in result) return refused(state, [result.error]);
      return done(
        { rowCount: 1, rows: op.returning ? result.made.map(todoJson) : [] },
        result.next,
      );
    }
    case "sql.upsertTodo": {
      // INSERT … ON CONFLICT (id): the proposed row meets the owner trigger, the INSERT check and NOT NULL before Postgres looks for a conflict.
      const row = {
        id: op.id,
        tenant: columnValue(op.tenant, c.tenant),
        owner: columnValue(op.owner, c.uid),
        task: op.task,
      };
      const existing = state.todos.find(byId(op.id));
      const proposed = insertTodos(
        variant,
        { ...state, todos: state.todos.filter((t) => t !== existing) },
        c,
        [row],
        false,
      );
      if ("error" in proposed) return refused(state, [proposed.error]);
      if (!existing) return done({ rowCount: 1, rows: [] }, proposed.next);
      if (op.onConflict === "nothing") return done({ rowCount: 0, rows: [] }, state);
      // DO UPDATE raises, rather than skips, on an existing row the caller may not see and change.
      if (!reachable(existing)) return refused(state, [CODES.refused]);
      const result = updateTodos(state, c, [existing], (t) =>
        op.onConflict === "task" ? { ...t, task: op.task } : { ...t, owner: row.owner! },
      );
      if ("errors" in result) return refused(state, result.errors);
      return done({ rowCount: 1, rows: [] }, result.next);
    }
    case "sql.copyTodos": {
      const pick = (column: CopiedColumn, copied: string, fallback: string | null) =>
        column === "copy" ? copied : columnValue(column, fallback);
      const rows = state.todos.filter(seen).map((t) => ({
        id: t.id + op.idOffset,
        tenant: pick(op.tenant, t.tenant, c.tenant),
        owner: pick(op.owner, t.owner, c.uid),
        task: op.task,
      }));
      const result = insertTodos(variant, state, c, rows, false);
      if ("error" in result) return refused(state, [result.error]);
      return done({ rowCount: rows.length, rows: [] }, rows.length ? result.next : state);
    }
    case "sql.updateTodos": {
      const targets = state.todos.filter(
        (t) => reachable(t) && (op.where === "all" || t.id === op.where.id),
      );
      const { set } = op;
      const result = updateTodos(state, c, targets, (t) => {
        if (set === "toggle") return { ...t, done: !t.done };
        if ("task" in set) return { ...t, task: set.task };
        if ("done" in set) return { ...t, done: set.done };
        if ("owner" in set) return { ...t, owner: set.owner };
        if ("tenant" in set) return { ...t, tenant: set.tenant };
        return { ...t, id: t.id + set.idShift };
      });
      if ("errors" in result) return refused(state, result.errors);
      return done(
        { rowCount: targets.length, rows: op.returning ? result.changed.map(todoJson) : [] },
        targets.length ? result.next : state,
      );
    }
    case "sql.takeOwnerOf": {
      // UPDATE todos t SET user_id = s.user_id FROM todos s WHERE s.id = $1: the source is read through SELECT's policy.
      const source = state.todos.find((t) => t.id === op.source && seen(t));
      const targets = source ? state.todos.filter(reachable) : [];
      const result = updateTodos(state, c, targets, (t) => ({ ...t, owner: source!.owner }));
      if ("errors" in result) return refused(state, result.errors);
      return done({ rowCount: targets.length, rows: [] }, targets.length ? result.next : state);
    }
    case "sql.deleteTodos": {
      const targets = state.todos.filter(
        (t) => reachable(t) && (op.where === "all" || t.id === op.where.id),
      );
      return done(
        { rowCount: targets.length, rows: op.returning ? targets.map(todoJson) : [] },
        targets.length ? deleteTodos(state, targets) : state,
      );
    }
    case "sql.insertReview":
      return insertReviews(variant, state, c, [
        {
          todoId: op.todoId,
          tenant: columnValue(op.tenant, c.tenant),
          reviewer: columnValue(op.reviewer, c.uid),
          verdict: op.verdict,
          note: op.note,
        },
      ]);
    case "sql.reviewAll":
      // INSERT INTO todo_reviews … SELECT id FROM todos ORDER BY id: a verdict on every todo the caller sees.
      return insertReviews(
        variant,
        state,
        c,
        state.todos.filter(seen).map((t) => ({
          todoId: t.id,
          tenant: c.tenant,
          reviewer: columnValue(op.reviewer, c.uid),
          verdict: op.verdict,
          note: op.note,
        })),
      );
    case "sql.updateReviews": {
      const { set } = op;
      return updateReviews(variant, state, c, (r) => {
        if ("verdict" in set) return { ...r, verdict: set.verdict };
        if ("reviewer" in set) return { ...r, reviewer: set.reviewer };
        if ("todoId" in set) return { ...r, todoId: set.todoId };
        return { ...r, tenant: set.tenant };
      });
    }
    case "sql.moveReviewsTo": {
      // UPDATE todo_reviews r SET todo_id = t.id FROM todos t WHERE t.id = $1.
      if (!state.todos.some((t) => byId(op.todoId)(t) && seen(t)))
        return done({ rowCount: 0 }, state);
      return updateReviews(variant, state, c, (r) => ({ ...r, todoId: op.todoId }));
    }
    case "sql.deleteReviews": {
      const gone = new Set(
        state.reviews.filter((r) => reachesReview(variant, state, c, r)).map((r) => r.seq),
      );
      return done(
        { rowCount: gone.size },
        gone.size
          ? {
              ...state,
              clock: state.clock + 1,
              reviews: state.reviews.filter((r) => !gone.has(r.seq)),
            }
          : state,
      );
    }
  }
}
