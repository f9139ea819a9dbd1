import fc from "fast-check";
import type { Pool } from "@neondatabase/serverless";
import { identityFromClaims, type Identity } from "../../roles/identity";
import { NotAMember, runBulk } from "../bulk.server";
import { closeDirectoryPool } from "../directory/apply.server";
import { closeRolePools } from "../pools.server";
import { flaggedTodos, queueCounts, recordReview, unreviewedTodos } from "../reviews.server";
import type { ReviewReason, ReviewVerdict } from "../limits";
import type { Todo } from "../schema";
import { withIdentity } from "../scoped.server";
import { addMembers, deleteUser, freshOrgId, removeMember } from "../testing/directory";
import { freshUserId, ownerPool } from "../testing/identities";
import { rawAs } from "../testing/raw-sql";
import { listTodoPage, type Cursor, type TodoListRow } from "../todo-list.server";
import { createTodo, deleteTodo, modifiableIds, toggleTodo, updateTask } from "../todos.server";
import {
  agrees,
  apply,
  canonical,
  emptyState,
  listPages,
  membershipKey,
  reviewJson,
  todoJson,
  visible,
  visibleTodos,
  type BulkTarget,
  type Column,
  type CopiedColumn,
  type Expected,
  type Json,
  type ModelIdentity,
  type Observed,
  type Op,
  type ReviewSet,
  type State,
  type TodoFilter,
  type TodoSet,
  type Variant,
} from "./permissions";

/**
 * The model-based fuzzer: random sequences of operations by random
 * identities, each run against the real Postgres and against the model
 * (./permissions.ts), comparing every answer and, as the sequence goes, the
 * whole database and what every identity reads. Shared by
 * db/model/fuzz.test.ts and `npm run fuzz`.
 *
 * Every sequence gets a world of its own (fresh organization and user ids,
 * explicit todo ids above anything in the table) and removes it afterwards,
 * so sequences, shrink attempts and other test files never see each other.
 */

/** The model keeps no reasons: every flag it makes gives the same one, as the check constraint requires, and approvals none. */
const reasonFor = (verdict: ReviewVerdict): ReviewReason | null =>
  verdict === "flagged" ? "spam" : null;

const USER_KEYS = ["mem", "mem2", "mod", "adm", "badm", "out"] as const;
type UserKey = (typeof USER_KEYS)[number];

interface World {
  org: { a: string; b: string; ghost: string };
  user: Record<UserKey, string>;
  /** Directory names, fixed per person, so a re-join shows the same name. */
  names: Record<string, string>;
  identities: ModelIdentity[];
  /** Every tenant an operation may name: both organizations, one nobody is a member of, everyone's personal workspace. */
  tenants: string[];
  people: string[];
  /** Explicit todo ids start here: above every id in the table, far above the sequence. */
  idBase: number;
  /** An id no todo has. */
  missingId: number;
}

function makeWorld(idBase: number): World {
  const org = { a: freshOrgId("fz_a"), b: freshOrgId("fz_b"), ghost: freshOrgId("fz_ghost") };
  const user = Object.fromEntries(
    USER_KEYS.map((key) => [key, freshUserId(`fz_${key}`)]),
  ) as Record<UserKey, string>;
  const v2 = (sub: string, o?: Record<string, unknown>) => ({ sub, v: 2, ...(o ? { o } : {}) });
  // The connection role is given, not derived: Postgres trusts the claims and the login role it is handed, however the app paired them.
  const identities: ModelIdentity[] = [
    {
      label: "member@A",
      role: "authenticated_backend",
      claims: v2(user.mem, { id: org.a, rol: "member" }),
    },
    {
      label: "member@A (v1 token)",
      role: "authenticated_backend",
      claims: { sub: user.mem2, org_id: org.a, org_role: "org:member" },
    },
    {
      label: "moderator@A",
      role: "moderator_backend",
      claims: v2(user.mod, { id: org.a, rol: "moderator" }),
    },
    {
      label: "admin@A (v1 token)",
      role: "admin_backend",
      claims: { sub: user.adm, org_id: org.a, org_role: "org:admin" },
    },
    {
      label: "member@B",
      role: "authenticated_backend",
      claims: v2(user.mem, { id: org.b, rol: "member" }),
    },
    { label: "admin@B", role: "admin_backend", claims: v2(user.badm, { id: org.b, rol: "admin" }) },
    {
      label: "admin of an org with no directory",
      role: "admin_backend",
      claims: v2(user.badm, { id: org.ghost, rol: "admin" }),
    },
    { label: "personal (mem)", role: "authenticated_backend", claims: v2(user.mem) },
    { label: "personal (out, v1 token)", role: "authenticated_backend", claims: { sub: user.out } },
    { label: "personal (mod)", role: "authenticated_backend", claims: v2(user.mod) },
    {
      label: "forged admin@A, not a member",
      role: "admin_backend",
      claims: v2(user.out, { id: org.a, rol: "admin" }),
    },
    {
      label: "moderator connection, role without org",
      role: "moderator_backend",
      claims: v2(user.mod, { rol: "moderator" }),
    },
    {
      label: "admin connection, org id off pattern",
      role: "admin_backend",
      claims: v2(user.adm, { id: org.a.replace("org_", "org "), rol: "admin" }),
    },
    {
      label: "v2 token, stray org_id",
      role: "authenticated_backend",
      claims: { sub: user.mem2, v: 2, org_id: org.a },
    },
    {
      label: "o.id naming another personal workspace",
      role: "authenticated_backend",
      claims: v2(user.mem, { id: `personal:${user.out}`, rol: "admin" }),
    },
    {
      label: "admin@A without a subject",
      role: "admin_backend",
      claims: v2("", { id: org.a, rol: "admin" }),
    },
    {
      label: "member claims on the admin connection",
      role: "admin_backend",
      claims: { sub: user.mem2, org_id: org.a, org_role: "org:member" },
    },
  ];
  const people = USER_KEYS.map((key) => user[key]);
  return {
    org,
    user,
    names: Object.fromEntries(USER_KEYS.map((key) => [user[key], `Fuzz ${key}`])),
    identities,
    tenants: [org.a, org.b, org.ghost, ...people.map((id) => `personal:${id}`)],
    people,
    idBase,
    missingId: 2 ** 52,
  };
}

/** Directory at the start: A has a member of each kind, B a member and an admin; `out` and the ghost organization have none. */
const INITIAL_MEMBERS: [org: "a" | "b", user: UserKey, role: string][] = [
  ["a", "mem", "org:member"],
  ["a", "mem2", "org:member"],
  ["a", "mod", "org:moderator"],
  ["a", "adm", "org:admin"],
  ["b", "mem", "org:member"],
  ["b", "badm", "org:admin"],
];

async function seedWorld(owner: Pool, world: World): Promise<State> {
  const { org, user } = world;
  for (const key of ["a", "b"] as const) {
    const people = INITIAL_MEMBERS.filter(([o]) => o === key).map(([, u, role]) => ({
      userId: user[u],
      name: world.names[user[u]],
      role,
    }));
    await addMembers(org[key], people);
  }
  const todos: [tenant: string, owner: string][] = [
    [org.a, user.mem],
    [org.a, user.mem2],
    [org.a, user.mod],
    [org.a, user.adm],
    [org.b, user.mem],
    [org.b, user.badm],
    [org.ghost, user.badm],
    [`personal:${user.mem}`, user.mem],
    [`personal:${user.mem2}`, user.mem2],
    [`personal:${user.out}`, user.out],
    [`personal:${user.adm}`, user.adm],
    // The forged moderator and admin connections without an organization belong to mod and adm: their personal rows must stay out of reach.
    [`personal:${user.mod}`, user.mod],
  ];
  const ids = todos.map((_, i) => world.idBase + 1 + i);
  const tasks = ids.map((_, i) => `seed ${i + 1}`);
  await owner.query(
    "insert into todos (id, tenant_id, user_id, task) select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[])",
    [ids, todos.map(([tenant]) => tenant), todos.map(([, who]) => who), tasks],
  );
  // One verdict of each kind, so lists and filters have latest verdicts from the start.
  const reviews = [
    {
      todoId: ids[0],
      tenant: org.a,
      reviewer: user.mod,
      verdict: "approved" as const,
      note: "seed review 1",
    },
    {
      todoId: ids[2],
      tenant: org.a,
      reviewer: user.adm,
      verdict: "flagged" as const,
      note: "seed review 2",
    },
  ];
  await owner.query(
    "insert into todo_reviews (todo_id, tenant_id, reviewer_id, verdict, reason, note) select * from unnest($1::bigint[], $2::text[], $3::text[], $4::review_verdict[], $5::review_reason[], $6::text[])",
    [
      reviews.map((r) => r.todoId),
      reviews.map((r) => r.tenant),
      reviews.map((r) => r.reviewer),
      reviews.map((r) => r.verdict),
      reviews.map((r) => reasonFor(r.verdict)),
      reviews.map((r) => r.note),
    ],
  );
  return {
    ...emptyState(),
    todos: todos.map(([tenant, who], i) => ({
      id: ids[i],
      tenant,
      owner: who,
      task: tasks[i],
      done: false,
      insertedAt: 1,
    })),
    reviews: reviews.map((r, i) => ({ ...r, seq: i + 1, createdAt: 2 })),
    people: Object.fromEntries(
      INITIAL_MEMBERS.map(([, u]) => [user[u], { name: world.names[user[u]], deleted: false }]),
    ),
    memberships: INITIAL_MEMBERS.map(([o, u]) => membershipKey(org[o], user[u])),
    clock: 2,
    nextReviewSeq: reviews.length + 1,
  };
}

async function cleanUp(owner: Pool, world: World) {
  const orgs = [world.org.a, world.org.b, world.org.ghost];
  await owner.query(
    "delete from todos where tenant_id = any($1::text[]) or user_id = any($2::text[])",
    [world.tenants, world.people],
  );
  await owner.query(
    "delete from todo_reviews where tenant_id = any($1::text[]) or reviewer_id = any($2::text[])",
    [world.tenants, world.people],
  );
  await owner.query("delete from audit.audit_log where tenant_id = any($1::text[])", [
    world.tenants,
  ]);
  await owner.query("delete from audit.transactions where tenant_id = any($1::text[])", [
    world.tenants,
  ]);
  await owner.query(
    "delete from directory.memberships where organization_id = any($1::text[]) or user_id = any($2::text[])",
    [orgs, world.people],
  );
  await owner.query("delete from directory.users where id = any($1::text[])", [world.people]);
  await owner.query("delete from directory.organizations where id = any($1::text[])", [orgs]);
}

async function nextIdBase(owner: Pool): Promise<number> {
  const { rows } = await owner.query<{ base: string }>(
    "select greatest(coalesce(max(id), 0) + 1, 2199023255552)::text as base from todos",
  );
  return Number(rows[0].base);
}

// ---------------------------------------------------------------- generation

/**
 * An operation before it meets a state: which kind, who, and a few numbers
 * that pick its targets among whatever exists when it runs. Shrinking works
 * on these, so a shrunk sequence still resolves to real ids.
 */
interface Plan {
  kind: Op["kind"];
  who: number;
  x: number;
  y: number;
  z: number;
  flag: boolean;
}

/** Raw statements outweigh the app's own calls: they are the shapes no example test sends. */
const KIND_WEIGHTS: [Op["kind"], number][] = [
  ["app.create", 3],
  ["app.update", 2],
  ["app.toggle", 2],
  ["app.delete", 1],
  ["app.review", 4],
  ["app.bulk", 3],
  ["app.reassign", 3],
  ["app.list", 1],
  ["app.modifiable", 1],
  ["app.queue", 1],
  ["sql.insertTodo", 6],
  ["sql.upsertTodo", 3],
  ["sql.copyTodos", 2],
  ["sql.updateTodos", 7],
  ["sql.takeOwnerOf", 2],
  ["sql.deleteTodos", 1],
  ["sql.insertReview", 4],
  ["sql.reviewAll", 2],
  ["sql.updateReviews", 3],
  ["sql.moveReviewsTo", 2],
  ["sql.deleteReviews", 1],
  ["dir.join", 1],
  ["dir.leave", 1],
  ["dir.deleteUser", 1],
];

const planArb: fc.Arbitrary<Plan> = fc.record({
  kind: fc.oneof(
    ...KIND_WEIGHTS.map(([kind, weight]) => ({ arbitrary: fc.constant(kind), weight })),
  ),
  who: fc.nat(),
  x: fc.nat(),
  y: fc.nat(),
  z: fc.nat(),
  flag: fc.boolean(),
});

/**
 * Exactly `length` operations, each of which shrinks to "skipped" (null):
 * a shrunk counterexample keeps only the operations the divergence needs,
 * while every generated sequence runs its full length.
 */
const sequenceArb = (length: number) =>
  fc.array(fc.option(planArb, { nil: null, freq: 1_000_000 }), {
    minLength: length,
    maxLength: length,
  });

/** The identities the app itself would make (the first six) come up three times as often as the forged ones. */
const whoIndex = (world: World, n: number) => {
  const weighted = world.identities.flatMap((_, i) => (i < 6 ? [i, i, i] : [i]));
  return weighted[n % weighted.length];
};

function resolve(world: World, state: State, plan: Plan, index: number): Op {
  const who = world.identities[whoIndex(world, plan.who)];
  const { x, y, z, flag } = plan;
  const todoIds = [...state.todos.map((t) => t.id), world.missingId];
  const seenIds = visibleTodos(state, who).map((t) => t.id);
  // Two picks in three among the rows the caller sees, so writes that may succeed are common; the rest anywhere, or nowhere.
  const todo = (n: number) =>
    n % 3 !== 0 && seenIds.length > 0
      ? seenIds[(n >> 2) % seenIds.length]
      : todoIds[(n >> 2) % todoIds.length];
  // Past the seeded ids, in a range small enough that later inserts sometimes collide with earlier ones.
  const freshId = (n: number) => world.idBase + 100 + (n % 50);
  const person = (n: number) => world.people[n % world.people.length];
  const tenant = (n: number) => world.tenants[n % world.tenants.length];
  const column = (n: number, value: (n: number) => string): Column =>
    n % 3 === 0 ? "default" : { value: value(n >> 2) };
  // A review's tenant and reviewer are right only by default or by luck: name them one time in three, or nearly every review is refused.
  const mostlyDefault = (n: number, value: (n: number) => string): Column =>
    n % 3 === 0 ? { value: value(n >> 2) } : "default";
  const copied = (n: number, value: (n: number) => string): CopiedColumn =>
    n % 4 === 0 ? "copy" : column(n >> 2, value);
  const verdict = flag ? ("approved" as const) : ("flagged" as const);
  const task = `task ${index}`;
  const note = `note ${index}`;
  const filter = (n: number): TodoFilter => ({
    ...(n % 3 === 0 ? { owner: person(n >> 2) } : {}),
    ...(n % 5 === 1
      ? { status: "open" as const }
      : n % 5 === 3
        ? { status: "complete" as const }
        : {}),
    ...((n >> 3) % 5 < 3
      ? { verdict: (["unreviewed", "approved", "flagged"] as const)[(n >> 3) % 5] }
      : {}),
  });
  const target = (): BulkTarget =>
    z % 2 === 0
      ? { ids: [...new Set([todo(x), todo(x >> 3), todo(x >> 6)])] }
      : { filter: filter(x) };
  const where = (n: number) => (n % 3 === 0 ? { id: todo(n >> 2) } : ("all" as const));
  const org = x % 2 === 0 ? world.org.a : world.org.b;

  switch (plan.kind) {
    case "app.create":
      return { kind: plan.kind, who, task };
    case "app.update":
      return { kind: plan.kind, who, id: todo(x), task };
    case "app.toggle":
    case "app.delete":
      return { kind: plan.kind, who, id: todo(x) };
    case "app.review":
      return { kind: plan.kind, who, todoId: todo(x), verdict, note };
    case "app.bulk":
      return {
        kind: plan.kind,
        who,
        action: (["complete", "complete", "reopen", "reopen", "delete"] as const)[y % 5],
        target: target(),
      };
    case "app.reassign":
      return { kind: plan.kind, who, target: target(), owner: person(y) };
    case "app.list":
      return {
        kind: plan.kind,
        who,
        sort: flag ? "newest" : "oldest",
        limit: 1 + (y % 6),
        filter: filter(x),
      };
    case "app.modifiable":
      return { kind: plan.kind, who, ids: todoIds };
    case "app.queue":
      return { kind: plan.kind, who, limit: 100 };
    case "sql.insertTodo":
      return {
        kind: plan.kind,
        who,
        id: x % 4 === 0 ? todo(x >> 2) : freshId(x >> 2),
        task,
        tenant: column(y, tenant),
        owner: column(z, person),
        returning: flag,
      };
    case "sql.upsertTodo":
      return {
        kind: plan.kind,
        who,
        id: x % 4 === 0 ? freshId(x >> 2) : todo(x >> 2),
        task,
        tenant: column(y, tenant),
        owner: column(z, person),
        onConflict: (["nothing", "task", "owner"] as const)[(y >> 4) % 3],
      };
    case "sql.copyTodos":
      return {
        kind: plan.kind,
        who,
        idOffset: 2 ** 30 * (1 + (x % 3)),
        task,
        tenant: copied(y, tenant),
        owner: copied(z, person),
      };
    case "sql.updateTodos": {
      const sets: TodoSet[] = [
        { task },
        { done: flag },
        "toggle",
        { owner: person(z) },
        { owner: person(z) },
        { tenant: tenant(z) },
        { idShift: 1 + (z % 5) },
      ];
      return { kind: plan.kind, who, set: sets[y % sets.length], where: where(x), returning: flag };
    }
    case "sql.takeOwnerOf":
      return { kind: plan.kind, who, source: todo(x) };
    case "sql.deleteTodos":
      return { kind: plan.kind, who, where: where(x), returning: flag };
    case "sql.insertReview":
      return {
        kind: plan.kind,
        who,
        todoId: todo(x),
        verdict,
        note,
        tenant: mostlyDefault(y, tenant),
        reviewer: mostlyDefault(z, person),
      };
    case "sql.reviewAll":
      return { kind: plan.kind, who, verdict, note, reviewer: mostlyDefault(z, person) };
    case "sql.updateReviews": {
      const sets: ReviewSet[] = [
        { verdict },
        { reviewer: person(z) },
        { todoId: todo(z) },
        { tenant: tenant(z) },
      ];
      return { kind: plan.kind, who, set: sets[y % sets.length] };
    }
    case "sql.moveReviewsTo":
      return { kind: plan.kind, who, todoId: todo(x) };
    case "sql.deleteReviews":
      return { kind: plan.kind, who };
    case "dir.join":
      return { kind: plan.kind, org, user: person(y), name: world.names[person(y)] };
    case "dir.leave":
      return { kind: plan.kind, org, user: person(y) };
    case "dir.deleteUser":
      return { kind: plan.kind, user: person(y) };
  }
}

// ---------------------------------------------------------------- execution

/** The request identity the app's code takes, on the connection role the model names (claims and role as given, forged or not). */
const appIdentity = (who: ModelIdentity): Identity => ({
  ...identityFromClaims(who.claims as Identity["claims"]),
  backendRole: who.role,
});

/** The SQLSTATE of a Postgres error, through drizzle's wrapping. */
function sqlState(error: unknown): string | null {
  for (
    let cause = error;
    cause && typeof cause === "object";
    cause = (cause as { cause?: unknown }).cause
  ) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}

const appTodo = (todo: Todo | null): Json =>
  todo
    ? todoJson({
        id: todo.id,
        tenant: todo.tenantId,
        owner: todo.userId,
        task: todo.task,
        done: todo.isComplete,
        insertedAt: 0,
      })
    : null;

const listJson = (row: TodoListRow): Json => ({
  id: row.id,
  userId: row.userId,
  ownerName: row.ownerName,
  task: row.task,
  isComplete: row.isComplete,
  verdict: row.verdict,
  verdictNote: row.verdictNote,
  reviewerId: row.reviewerId,
  reviewerName: row.reviewerName,
});

const RETURNING = " returning id, tenant_id, user_id, task, is_complete";
type RawTodo = {
  id: string;
  tenant_id: string;
  user_id: string;
  task: string;
  is_complete: boolean;
};
const rawTodos = (rows: RawTodo[]): Json[] =>
  rows
    .map((r) => ({
      id: Number(r.id),
      tenant: r.tenant_id,
      owner: r.user_id,
      task: r.task,
      done: r.is_complete,
    }))
    .sort((a, b) => a.id - b.id);

/** A statement and its parameters, built up column by column. */
class Statement {
  readonly params: unknown[] = [];
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

/** Columns an INSERT names, and what each gets; a column left to its default is not named at all. */
function insertColumns(
  statement: Statement,
  columns: [name: string, column: CopiedColumn][],
): { names: string[]; values: string[] } {
  const names: string[] = [];
  const values: string[] = [];
  for (const [name, column] of columns) {
    if (column === "default") continue;
    names.push(name);
    values.push(column === "copy" ? name : statement.param(column.value));
  }
  return { names, values };
}

async function walkPages(
  identity: Identity,
  query: { sort: "newest" | "oldest"; limit: number; filter: TodoFilter },
): Promise<Json[][]> {
  return withIdentity(identity, async (tx) => {
    const pages: Json[][] = [];
    let after: Cursor | undefined;
    do {
      const page = await listTodoPage(tx, {
        ...query.filter,
        sort: query.sort,
        limit: query.limit,
        after,
      });
      pages.push(page.rows.map(listJson));
      after = page.next ?? undefined;
    } while (after && pages.length < 1_000);
    return pages;
  });
}

async function perform(op: Op): Promise<Json> {
  if (op.kind === "dir.join")
    return addMembers(op.org, [{ userId: op.user, name: op.name }]).then(() => null);
  if (op.kind === "dir.leave") return removeMember(op.org, op.user).then(() => null);
  if (op.kind === "dir.deleteUser") return deleteUser(op.user).then(() => null);

  const identity = appIdentity(op.who);
  const scoped = <T>(run: Parameters<typeof withIdentity<T>>[1]) => withIdentity(identity, run);
  const raw = async (statement: Statement, text: string) => {
    const result = await rawAs(identity, text, statement.params);
    return { rowCount: result.rowCount ?? 0, rows: rawTodos(result.rows as RawTodo[]) };
  };
  const rawCount = async (statement: Statement, text: string) => ({
    rowCount: (await rawAs(identity, text, statement.params)).rowCount ?? 0,
  });
  const s = new Statement();

  switch (op.kind) {
    case "app.create":
      return appTodo(await scoped((tx) => createTodo(tx, op.task)));
    case "app.update":
      return appTodo(await scoped((tx) => updateTask(tx, op.id, op.task)));
    case "app.toggle":
      return appTodo(await scoped((tx) => toggleTodo(tx, op.id)));
    case "app.delete":
      return appTodo(await scoped((tx) => deleteTodo(tx, op.id)));
    case "app.review":
      return (
        await scoped((tx) =>
          recordReview(tx, {
            todoId: op.todoId,
            verdict: op.verdict,
            reason: reasonFor(op.verdict),
            note: op.note,
          }),
        )
      ).status;
    case "app.bulk": {
      const target = "ids" in op.target ? { ids: [...op.target.ids] } : op.target;
      const outcome = await scoped((tx) => runBulk(tx, { action: op.action, target }));
      return { changed: outcome.changed };
    }
    case "app.reassign":
      try {
        const target = "ids" in op.target ? { ids: [...op.target.ids] } : op.target;
        const outcome = await scoped((tx) =>
          runBulk(tx, { action: "reassign", target, owner: op.owner }),
        );
        return { changed: outcome.changed, ownerName: outcome.ownerName ?? null };
      } catch (error) {
        if (error instanceof NotAMember) return "not-a-member";
        throw error;
      }
    case "app.list":
      return walkPages(identity, op);
    case "app.modifiable":
      return (await scoped((tx) => modifiableIds(tx, [...op.ids]))).sort((a, b) => a - b);
    case "app.queue":
      return scoped(async (tx) => ({
        counts: { ...(await queueCounts(tx)) },
        unreviewed: (await unreviewedTodos(tx, op.limit)).map(listJson),
        flagged: (await flaggedTodos(tx, op.limit)).map(listJson),
      }));

    case "sql.insertTodo": {
      const head = [s.param(op.id), s.param(op.task)];
      const { names, values } = insertColumns(s, [
        ["tenant_id", op.tenant],
        ["user_id", op.owner],
      ]);
      return raw(
        s,
        `insert into todos (${["id", "task", ...names]}) values (${[...head, ...values]})${op.returning ? RETURNING : ""}`,
      );
    }
    case "sql.upsertTodo": {
      const head = [s.param(op.id), s.param(op.task)];
      const { names, values } = insertColumns(s, [
        ["tenant_id", op.tenant],
        ["user_id", op.owner],
      ]);
      const conflict =
        op.onConflict === "nothing"
          ? "do nothing"
          : op.onConflict === "task"
            ? "do update set task = excluded.task"
            : "do update set user_id = excluded.user_id";
      return raw(
        s,
        `insert into todos (${["id", "task", ...names]}) values (${[...head, ...values]}) on conflict (id) ${conflict}`,
      );
    }
    case "sql.copyTodos": {
      const head = [`id + ${s.param(op.idOffset)}`, s.param(op.task)];
      const { names, values } = insertColumns(s, [
        ["tenant_id", op.tenant],
        ["user_id", op.owner],
      ]);
      return raw(
        s,
        `insert into todos (${["id", "task", ...names]}) select ${[...head, ...values]} from todos order by id`,
      );
    }
    case "sql.updateTodos": {
      const { set } = op;
      const assignment =
        set === "toggle"
          ? "is_complete = not is_complete"
          : "task" in set
            ? `task = ${s.param(set.task)}`
            : "done" in set
              ? `is_complete = ${s.param(set.done)}`
              : "owner" in set
                ? `user_id = ${s.param(set.owner)}`
                : "tenant" in set
                  ? `tenant_id = ${s.param(set.tenant)}`
                  : `id = id + ${s.param(set.idShift)}`;
      const where = op.where === "all" ? "" : ` where id = ${s.param(op.where.id)}`;
      return raw(s, `update todos set ${assignment}${where}${op.returning ? RETURNING : ""}`);
    }
    case "sql.takeOwnerOf":
      return raw(
        s,
        `update todos t set user_id = s.user_id from todos s where s.id = ${s.param(op.source)}`,
      );
    case "sql.deleteTodos": {
      const where = op.where === "all" ? "" : ` where id = ${s.param(op.where.id)}`;
      return raw(s, `delete from todos${where}${op.returning ? RETURNING : ""}`);
    }
    case "sql.insertReview": {
      const head = [
        s.param(op.todoId),
        `${s.param(op.verdict)}::review_verdict`,
        `${s.param(reasonFor(op.verdict))}::review_reason`,
        s.param(op.note),
      ];
      const { names, values } = insertColumns(s, [
        ["tenant_id", op.tenant],
        ["reviewer_id", op.reviewer],
      ]);
      return rawCount(
        s,
        `insert into todo_reviews (${["todo_id", "verdict", "reason", "note", ...names]}) values (${[...head, ...values]})`,
      );
    }
    case "sql.reviewAll": {
      const head = [
        "id",
        `${s.param(op.verdict)}::review_verdict`,
        `${s.param(reasonFor(op.verdict))}::review_reason`,
        `${s.param(op.note)}::text`,
      ];
      const { names, values } = insertColumns(s, [["reviewer_id", op.reviewer]]);
      return rawCount(
        s,
        `insert into todo_reviews (${["todo_id", "verdict", "reason", "note", ...names]}) select ${[...head, ...values.map((v) => `${v}::text`)]} from todos order by id`,
      );
    }
    case "sql.updateReviews": {
      const { set } = op;
      const assignment =
        "verdict" in set
          ? `verdict = ${s.param(set.verdict)}::review_verdict, reason = ${s.param(reasonFor(set.verdict))}::review_reason`
          : "reviewer" in set
            ? `reviewer_id = ${s.param(set.reviewer)}`
            : "todoId" in set
              ? `todo_id = ${s.param(set.todoId)}`
              : `tenant_id = ${s.param(set.tenant)}`;
      return rawCount(s, `update todo_reviews set ${assignment}`);
    }
    case "sql.moveReviewsTo":
      return rawCount(
        s,
        `update todo_reviews r set todo_id = t.id from todos t where t.id = ${s.param(op.todoId)}`,
      );
    case "sql.deleteReviews":
      return rawCount(s, "delete from todo_reviews");
  }
}

async function execute(op: Op): Promise<Observed> {
  try {
    return { ok: true, value: await perform(op) };
  } catch (error) {
    const code = sqlState(error);
    if (code === null) throw error;
    return { ok: false, code };
  }
}

// ---------------------------------------------------------------- comparing states

const TODOS_JSON =
  "json_build_object('id', id, 'tenant', tenant_id, 'owner', user_id, 'task', task, 'done', is_complete)";
const REVIEWS_JSON =
  "json_build_object('todoId', todo_id, 'tenant', tenant_id, 'reviewer', reviewer_id, 'verdict', verdict, 'note', note)";
/** Everything a caller reads, in one statement: `select *` from both tables, no WHERE, RLS alone deciding. */
const VISIBLE_SQL = `select coalesce((select json_agg(${TODOS_JSON} order by id) from todos), '[]') as todos,
  coalesce((select json_agg(${REVIEWS_JSON} order by id) from todo_reviews), '[]') as reviews`;
/**
 * The same, behind RLS's back, for this world's tenants: every tenant a
 * statement here can name or fall back to is one of them, so a row written
 * anywhere it should not be is still in view.
 */
const WORLD_SQL = `select coalesce((select json_agg(${TODOS_JSON} order by id) from todos where tenant_id = any($1::text[])), '[]') as todos,
  coalesce((select json_agg(${REVIEWS_JSON} order by id) from todo_reviews where tenant_id = any($1::text[])), '[]') as reviews`;

type Tables = { todos: Json[]; reviews: Json[] };
const modelTables = (view: {
  todos: readonly Parameters<typeof todoJson>[0][];
  reviews: readonly Parameters<typeof reviewJson>[0][];
}): Tables => ({
  todos: view.todos.map(todoJson),
  reviews: view.reviews.map(reviewJson),
});

/** What differs between two lists of rows, or null. */
function rowsDiff(what: string, expected: Json[], actual: Json[]): string | null {
  const e = expected.map(canonical);
  const a = actual.map(canonical);
  if (e.join("\n") === a.join("\n")) return null;
  const missing = e.filter((row) => !a.includes(row));
  const extra = a.filter((row) => !e.includes(row));
  const lines = [`${what} differ:`];
  for (const row of missing) lines.push(`  only in the model:    ${row}`);
  for (const row of extra) lines.push(`  only in Postgres:     ${row}`);
  if (missing.length === 0 && extra.length === 0)
    lines.push(
      `  same rows, other order:\n    model:    ${e.join(" ")}\n    Postgres: ${a.join(" ")}`,
    );
  return lines.join("\n");
}

function tablesDiff(whose: string, expected: Tables, actual: Tables): string | null {
  const diffs = [
    rowsDiff(`${whose}: todos`, expected.todos, actual.todos),
    rowsDiff(`${whose}: reviews`, expected.reviews, actual.reviews),
  ].filter(Boolean);
  return diffs.length ? diffs.join("\n") : null;
}

/** What one identity reads through raw SQL and through the app's list, against the model; null when they agree. */
async function compareView(state: State, who: ModelIdentity): Promise<string | null> {
  const identity = appIdentity(who);
  const seen = (await rawAs(identity, VISIBLE_SQL)).rows[0] as Tables;
  const diff = tablesDiff(`select * as ${who.label}`, modelTables(visible(state, who)), seen);
  if (diff) return diff;
  const query = { sort: "newest" as const, limit: 7, filter: {} };
  const pages = await walkPages(identity, query);
  const expected = listPages(state, who, { ...query.filter, sort: query.sort, limit: query.limit });
  return canonical(pages) === canonical(expected)
    ? null
    : `the /todos pages of ${who.label} differ:\n  model:    ${canonical(expected)}\n  Postgres: ${canonical(pages)}`;
}

/** The database as a whole, then (on `everyone`) every identity's view, read side by side: nothing writes meanwhile. */
async function compareState(
  owner: Pool,
  world: World,
  state: State,
  everyone: boolean,
): Promise<string | null> {
  const { rows } = await owner.query<Tables>(WORLD_SQL, [world.tenants]);
  const whole = tablesDiff("the database", modelTables(state), rows[0]);
  if (whole || !everyone) return whole;
  const views = await Promise.all(world.identities.map((who) => compareView(state, who)));
  return views.find((diff) => diff !== null) ?? null;
}

// ---------------------------------------------------------------- the property

/** Ids of the world in a trace, by name: `org_fz_a_1a2b3c4d` reads `A`. */
function shorten(world: World, text: string): string {
  const names: [string, string][] = [
    [world.org.a, "A"],
    [world.org.b, "B"],
    [world.org.ghost, "G"],
    ...USER_KEYS.map((key): [string, string] => [world.user[key], key]),
  ];
  let out = text;
  for (const [id, name] of names)
    out = out.replaceAll(id, name).replaceAll(id.replace("org_", "org "), `${name}'`);
  return out.replace(/\b\d{13,16}\b/g, (id) =>
    Number(id) === world.missingId ? "missing" : `b+${Number(id) - world.idBase}`,
  );
}

function describeOp(op: Op): string {
  const { kind, ...rest } = op;
  const who = "who" in rest ? `${rest.who.label}: ` : "directory: ";
  const args = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== "who"));
  return `${who}${kind} ${JSON.stringify(args)}`;
}

const describeExpected = (expected: Expected) =>
  expected.ok ? canonical(expected.value) : `error ${expected.codes.join(" or ")}`;
const describeObserved = (observed: Observed) =>
  observed.ok ? canonical(observed.value) : `error ${observed.code}`;

class Divergence extends Error {
  override name = "Divergence";
}

interface FuzzOptions {
  seed: number;
  /** Operations to generate in all: sequences of `opsPerRun` until at least this many. */
  ops: number;
  opsPerRun?: number;
  /** Compare every identity's view after every n-th operation (and after the last); the whole database is compared after each. */
  checkEvery?: number;
  variant?: Variant;
  /** Replays one counterexample (with its `seed`). */
  path?: string;
  /** Receives every operation and its answer, as the trace of a divergence shows them. */
  onStep?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  runs: number;
  /** Operations in generated sequences; those replayed while shrinking are counted apart. */
  ops: number;
  shrinkOps: number;
  divergences: number;
  ms: number;
  failure: null | {
    path: string;
    shrinks: number;
    counterexample: (Plan | null)[];
    message: string;
  };
}

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const opsPerRun = options.opsPerRun ?? 25;
  const checkEvery = options.checkEvery ?? 5;
  const variant = options.variant ?? "faithful";
  const owner = ownerPool();
  const counts = { ops: 0, shrinkOps: 0, runs: 0, failed: false };
  const started = performance.now();

  async function runSequence(plans: (Plan | null)[]) {
    const steps = plans.filter((plan): plan is Plan => plan !== null);
    const world = makeWorld(await nextIdBase(owner));
    const trace: string[] = [];
    const fail = (why: string) =>
      new Divergence(
        shorten(
          world,
          [
            `${trace.length} operation(s) (b+n: the todo id n above this sequence's id base):`,
            ...trace,
            why,
          ].join("\n"),
        ),
      );
    if (!counts.failed) counts.runs += 1;
    try {
      let state = await seedWorld(owner, world);
      for (const [i, plan] of steps.entries()) {
        const op = resolve(world, state, plan, i + 1);
        const observed = await execute(op);
        if (counts.failed) counts.shrinkOps += 1;
        else counts.ops += 1;
        const assignedId =
          op.kind === "app.create" && observed.ok
            ? (observed.value as { id: number }).id
            : undefined;
        const step = apply(state, op, { variant, assignedId });
        trace.push(`  ${i + 1}. ${describeOp(op)}\n       → ${describeObserved(observed)}`);
        options.onStep?.(shorten(world, trace[trace.length - 1]));
        if (!agrees(step.expect, observed)) {
          throw fail(
            `divergence at operation ${i + 1}: Postgres answered ${describeObserved(observed)}; the model expected ${describeExpected(step.expect)}`,
          );
        }
        state = step.next;
        const last = i === steps.length - 1;
        const diff = await compareState(owner, world, state, last || (i + 1) % checkEvery === 0);
        if (diff) throw fail(`divergence after operation ${i + 1}: ${diff}`);
      }
    } catch (error) {
      // Every run after the first failure is fast-check shrinking it.
      counts.failed = true;
      throw error;
    } finally {
      await cleanUp(owner, world);
    }
  }

  try {
    const details = await fc.check(fc.asyncProperty(sequenceArb(opsPerRun), runSequence), {
      seed: options.seed,
      numRuns: Math.ceil(options.ops / opsPerRun),
      // A replay reproduces the counterexample it names; shrinking it again would only repeat the search.
      ...(options.path ? { path: options.path, endOnFailure: true } : {}),
    });
    const report: FuzzReport = {
      seed: details.seed,
      runs: counts.runs,
      ops: counts.ops,
      shrinkOps: counts.shrinkOps,
      divergences: details.errorInstance instanceof Divergence ? 1 : 0,
      ms: Math.round(performance.now() - started),
      failure: null,
    };
    if (details.failed && details.counterexamplePath !== null) {
      const error = details.errorInstance;
      report.failure = {
        path: details.counterexamplePath,
        shrinks: details.numShrinks,
        counterexample: details.counterexample![0],
        message: error instanceof Error ? error.message : String(error),
      };
    }
    return report;
  } finally {
    await owner.end();
    await closeRolePools();
    await closeDirectoryPool();
  }
}
