/**
 * The tenant predicate at a million rows over a hundred organizations. For
 * each role, /todos' first page and its count (capped, as the page shows
 * it) run twice: under RLS as the request role, exactly as the app sends
 * them, and as the owner (no RLS) with the tenant, owner and directory
 * conditions the policies stand for written into the same statement by
 * hand. Both plans are printed once; then each pair runs interleaved,
 * several rounds, and each round's ratio of server execution times is one
 * sample. Last, an admin's whole page work (first page and count) in the
 * largest organization against an organization of 1,000 todos: what a page
 * costs must not grow with the table.
 *
 *   npm run bench:tenants                    (data in .data/bench-tenants; made once, reused)
 *   BENCH_ROUNDS=9 npm run bench:tenants
 *   BENCH_TODOS=200000 npm run bench:tenants
 */
import { PgDialect } from "drizzle-orm/pg-core";
import { sql, type SQL } from "drizzle-orm";
import { createPool } from "../db/driver";
import { closeRolePools } from "../db/pools.server";
import { withIdentity } from "../db/scoped.server";
import { identityFor } from "../db/testing/identities";
import { buildListQuery, PAGE_SIZE } from "../db/todo-list.server";
import type { Identity } from "../roles/identity";
import { startBenchDatabase } from "./embedded";
import { report, summarize, type BenchRow } from "./report";

const TODOS = Number(process.env.BENCH_TODOS ?? 1_000_000);
const ORGS = Number(process.env.BENCH_ORGS ?? 100);
const OWNERS = Number(process.env.BENCH_OWNERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
// Each sample is a median of this many runs: one run of a sub-millisecond query is mostly noise.
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const TARGET_PAGE = Number(process.env.BENCH_PAGE ?? 1000);
if (ROUNDS < 3) throw new Error("BENCH_ROUNDS must be at least 3");

// The largest organization holds 30% of all todos (g % 10 < 3), so a moderator's 1000th page exists there.
const BIG = "org_bench_000";
const SMALL = "org_bench_small";
const SMALL_TODOS = 1_000;
// Owner ids ending in 0 land in the big organization, and every tenth todo has a verdict: this member's are all reviewed.
const MEMBER = "bench_10";
// A member whose todos all predate everyone else's: "newest first" must not walk the organization's newer rows to find them.
const OLD_MEMBER = "bench_old";
const OLD_TODOS = 200;
const MODERATOR = "user_maya";
const ADMIN = "user_adam";

const stack = await startBenchDatabase(".data/bench-tenants");
const owner = createPool(process.env.DATABASE_URL!, { max: 1 });
const dialect = new PgDialect();

async function seed() {
  const count = async (text: string, values: unknown[] = []) =>
    Number((await owner.query<{ n: string }>(text, values)).rows[0].n);
  const started = performance.now();
  let seeded = false;
  if ((await count("select count(*) as n from todos where user_id ~ '^bench_[0-9]+$'")) !== TODOS) {
    console.log(
      `seeding ${TODOS.toLocaleString()} todos across ${ORGS} organizations and ${OWNERS.toLocaleString()} owners (once)…`,
    );
    await owner.query("truncate todos, todo_reviews restart identity cascade");
    await owner.query(
      `insert into todos (tenant_id, user_id, task, is_complete, inserted_at)
       select case when g % 10 < 3 then '${BIG}' else 'org_bench_' || lpad((1 + g % ($2 - 1))::text, 3, '0') end,
              'bench_' || (g % $3), 'Task ' || g, g % 3 = 0, timestamptz '2026-01-01' + g * interval '17 seconds'
       from generate_series(1, $1) g`,
      [TODOS, ORGS, OWNERS],
    );
    await owner.query(
      `insert into todo_reviews (todo_id, tenant_id, reviewer_id, verdict, created_at)
       select id, tenant_id, '${MODERATOR}', 'approved', inserted_at + interval '1 hour' from todos where id % 10 = 0`,
    );
    seeded = true;
  }
  const extras =
    (await count("select count(*) as n from todos where user_id = $1", [OLD_MEMBER])) === OLD_TODOS;
  const small =
    (await count("select count(*) as n from todos where tenant_id = $1", [SMALL])) === SMALL_TODOS;
  const people =
    (await count("select count(*) as n from directory.memberships where user_id = $1", [ADMIN])) ===
    2;
  if (seeded || !extras || !small || !people) {
    console.log("seeding the old member, the small organization and the directory (once)…");
    await owner.query("delete from todos where user_id = $1 or tenant_id = $2", [
      OLD_MEMBER,
      SMALL,
    ]);
    await owner.query(
      `insert into todos (tenant_id, user_id, task, is_complete, inserted_at)
       select '${BIG}', '${OLD_MEMBER}', 'Old task ' || g, g % 3 = 0, timestamptz '2025-01-01' + g * interval '1 hour' from generate_series(1, ${OLD_TODOS}) g`,
    );
    await owner.query(
      `insert into todos (tenant_id, user_id, task, is_complete, inserted_at)
       select '${SMALL}', 'bench_small_' || (g % 10), 'Small task ' || g, g % 3 = 0, timestamptz '2026-01-01' + g * interval '17 seconds' from generate_series(1, ${SMALL_TODOS}) g`,
    );
    await owner.query(
      `insert into todo_reviews (todo_id, tenant_id, reviewer_id, verdict, created_at)
       select id, tenant_id, '${MODERATOR}', 'approved', inserted_at + interval '1 hour' from todos where (user_id = '${OLD_MEMBER}' or tenant_id = '${SMALL}') and id % 2 = 0`,
    );
    // Names on the page come from the directory, under its own policies: every owner a live member of the organizations they own todos in.
    await owner.query("truncate directory.memberships, directory.users");
    await owner.query(
      `insert into directory.users (id, display_name, updated_at)
       select id, 'Person ' || id, now() from (select distinct user_id as id from todos union select '${MODERATOR}' union select '${ADMIN}') people`,
    );
    await owner.query(
      `insert into directory.memberships (organization_id, user_id, role, updated_at)
       select distinct tenant_id, user_id, 'org:member', now() from todos
       union all select o, '${MODERATOR}', 'org:moderator', now() from unnest(array['${BIG}', '${SMALL}']) o
       union all select o, '${ADMIN}', 'org:admin', now() from unnest(array['${BIG}', '${SMALL}']) o`,
    );
    seeded = true;
  }
  if (seeded) {
    for (const table of ["todos", "todo_reviews", "directory.users", "directory.memberships"])
      await owner.query(`vacuum analyze ${table}`);
    console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

await seed();

type Plan = string[];
const explain = (options: string, text: string) => `explain (${options}) ${text}`;
const rendered = (query: SQL) => {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { text, params };
};
const ownerPlan = async (options: string, query: SQL): Promise<Plan> => {
  const { text, params } = rendered(query);
  return (await owner.query<{ "QUERY PLAN": string }>(explain(options, text), params)).rows.map(
    (row) => row["QUERY PLAN"],
  );
};
const rlsPlan = (identity: Identity, options: string, query: SQL): Promise<Plan> =>
  withIdentity(identity, async (tx) =>
    (
      await tx.execute<{ "QUERY PLAN": string }>(sql`explain (${sql.raw(options)}) ${query}`)
    ).rows.map((row) => row["QUERY PLAN"]),
  );
const executionMs = (plan: Plan) => {
  const ms = Number(/Execution Time: ([\d.]+) ms/.exec(plan.join("\n"))?.[1]);
  if (!Number.isFinite(ms)) throw new Error(`no execution time in:\n${plan.join("\n")}`);
  return ms;
};

/**
 * What a person writes instead of RLS: the app's statement, with the
 * conditions the policies add spelled out as literals. On `todos` the
 * tenant (and, for a member, the owner); on `todo_reviews` the tenant (a
 * member's policy also asks that the todo be visible, which joining on a
 * visible todo already says); on the directory, live people who are the
 * caller or members of the organization.
 */
interface Scope {
  tenant: string;
  org: string;
  caller: string;
  owner?: string;
}
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
const directoryVisible = (alias: string, scope: Scope) =>
  `${alias}.deleted_at is null and (${alias}.id = ${literal(scope.caller)} or exists (select 1 from directory.memberships m where m.organization_id = ${literal(scope.org)} and m.user_id = ${alias}.id and m.deleted_at is null))`;
const todosWhere = (scope: Scope) => [
  `t.tenant_id = ${literal(scope.tenant)}`,
  ...(scope.owner ? [`t.user_id = ${literal(scope.owner)}`] : []),
];

function replaceOnce(text: string, find: string, replacement: string) {
  const at = text.indexOf(find);
  if (at < 0 || text.indexOf(find, at + 1) >= 0)
    throw new Error(`expected exactly one "${find}" in:\n${text}`);
  return text.slice(0, at) + replacement + text.slice(at + find.length);
}

function byHandPage(query: SQL, scope: Scope): SQL {
  const { text, params } = rendered(query);
  let hand = replaceOnce(
    text,
    "where r.todo_id = t.id",
    `where r.todo_id = t.id and r.tenant_id = ${literal(scope.tenant)}`,
  );
  hand = replaceOnce(
    hand,
    "on owner_user.id = t.user_id",
    `on owner_user.id = t.user_id and ${directoryVisible("owner_user", scope)}`,
  );
  hand = replaceOnce(
    hand,
    "on reviewer_user.id = lr.reviewer_id",
    `on reviewer_user.id = lr.reviewer_id and ${directoryVisible("reviewer_user", scope)}`,
  );
  const conditions = todosWhere(scope).join(" and ");
  // The app's own conditions (a keyset cursor) already open a WHERE; otherwise the hand-written one opens it.
  hand = /\n\s*where \(t\.inserted_at/.test(hand)
    ? hand.replace(/(\n\s*)where \(t\.inserted_at/, `$1where ${conditions} and (t.inserted_at`)
    : replaceOnce(
        hand,
        "\n    order by t.inserted_at",
        `\n    where ${conditions}\n    order by t.inserted_at`,
      );
  return withParams(hand, params);
}

function byHandCount(query: SQL, scope: Scope): SQL {
  const { text, params } = rendered(query);
  return withParams(
    replaceOnce(text, "from todos t ", `from todos t where ${todosWhere(scope).join(" and ")} `),
    params,
  );
}

/** Puts rendered parameters back as drizzle placeholders, so the owner's statement is sent the way the app's is. */
function withParams(text: string, params: unknown[]): SQL {
  const pieces = text.split(/\$(\d+)/);
  const chunks: SQL[] = [];
  pieces.forEach((piece, index) =>
    chunks.push(index % 2 === 0 ? sql.raw(piece) : sql`${params[Number(piece) - 1]}`),
  );
  return sql.join(chunks, sql``);
}

const member = identityFor(MEMBER, "org:member", BIG);
const oldMember = identityFor(OLD_MEMBER, "org:member", BIG);
const moderator = identityFor(MODERATOR, "org:moderator", BIG);
const admin = identityFor(ADMIN, "org:admin", BIG);
const smallAdmin = identityFor(ADMIN, "org:admin", SMALL);

// The moderator's cursor for the target page, found by walking the index as the app's keyset pages would.
const { rows: cursorRows } = await owner.query<{ at: string; id: string }>(
  `select inserted_at::text as at, id from todos where tenant_id = $1 order by inserted_at desc, id desc offset $2 limit 1`,
  [BIG, (TARGET_PAGE - 1) * PAGE_SIZE - 1],
);
const cursor = { at: cursorRows[0].at, id: Number(cursorRows[0].id) };

const firstPage = buildListQuery({ sort: "newest" });
// The count the page shows: countMatching's statement, unfiltered, stopping at 1,000 + 1 ("more than 1,000").
const DISPLAY_CAP = 1_000;
const count = sql`select count(*) as n from (select 1 from todos t limit ${DISPLAY_CAP + 1}) matching`;

interface Case {
  name: string;
  identity: Identity;
  query: SQL;
  byHand: SQL;
}
const scopeOf = (caller: string, org: string, ownOnly: boolean): Scope => ({
  tenant: org,
  org,
  caller,
  owner: ownOnly ? caller : undefined,
});
const pair = (
  name: string,
  identity: Identity,
  scope: Scope,
  query: SQL,
  hand: (query: SQL, scope: Scope) => SQL,
): Case => ({ name, identity, query, byHand: hand(query, scope) });

const cases: Case[] = [
  pair("member's first page", member, scopeOf(MEMBER, BIG, true), firstPage, byHandPage),
  pair("member's count", member, scopeOf(MEMBER, BIG, true), count, byHandCount),
  pair("old member's first page", oldMember, scopeOf(OLD_MEMBER, BIG, true), firstPage, byHandPage),
  pair("old member's count", oldMember, scopeOf(OLD_MEMBER, BIG, true), count, byHandCount),
  pair("moderator's first page", moderator, scopeOf(MODERATOR, BIG, false), firstPage, byHandPage),
  pair(
    `moderator's page ${TARGET_PAGE} (keyset)`,
    moderator,
    scopeOf(MODERATOR, BIG, false),
    buildListQuery({ sort: "newest", after: cursor }),
    byHandPage,
  ),
  pair("moderator's count", moderator, scopeOf(MODERATOR, BIG, false), count, byHandCount),
  pair("admin's first page", admin, scopeOf(ADMIN, BIG, false), firstPage, byHandPage),
  pair("admin's count", admin, scopeOf(ADMIN, BIG, false), count, byHandCount),
];

const TIMED = "analyze, timing off";
const SHOWN = "analyze, buffers";
const median = (values: number[]) => summarize(values).median;
const seqScans = (plan: Plan) =>
  plan.filter((line) => /Seq Scan on (todos|todo_reviews)/.test(line)).length;

try {
  const rows: BenchRow[] = [];
  const samples = new Map<string, number[]>(cases.map(({ name }) => [name, []]));
  const absolute = new Map<string, { rls: number[]; hand: number[] }>(
    cases.map(({ name }) => [name, { rls: [], hand: [] }]),
  );
  for (const { name, identity, query, byHand } of cases) {
    // One untimed run each warms the caches and the session's function plans; the shown plans are the second run's.
    await rlsPlan(identity, TIMED, query);
    await ownerPlan(TIMED, byHand);
    const rls = await rlsPlan(identity, SHOWN, query);
    const hand = await ownerPlan(SHOWN, byHand);
    console.log(
      `\n== ${name}: under RLS ==\n${rls.join("\n")}\n\n== ${name}: by hand, as the owner ==\n${hand.join("\n")}`,
    );
    const scans = seqScans(rls) + seqScans(hand);
    console.log(scans ? `!! sequential scans: ${scans}` : "index scans only");
  }
  // Rounds go over every case in turn, and within a case RLS and by-hand alternate run by run, so drift and neighbours hit both sides alike.
  const adminRatios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const { name, identity, query, byHand } of cases) {
      const rlsMs: number[] = [];
      const handMs: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        rlsMs.push(executionMs(await rlsPlan(identity, TIMED, query)));
        handMs.push(executionMs(await ownerPlan(TIMED, byHand)));
      }
      samples.get(name)!.push(median(rlsMs) / median(handMs));
      absolute.get(name)!.rls.push(median(rlsMs));
      absolute.get(name)!.hand.push(median(handMs));
    }
    const bigMs: number[] = [];
    const smallMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      bigMs.push(
        executionMs(await rlsPlan(admin, TIMED, firstPage)) +
          executionMs(await rlsPlan(admin, TIMED, count)),
      );
      smallMs.push(
        executionMs(await rlsPlan(smallAdmin, TIMED, firstPage)) +
          executionMs(await rlsPlan(smallAdmin, TIMED, count)),
      );
    }
    adminRatios.push(median(bigMs) / median(smallMs));
    console.log(`round ${round + 1}/${ROUNDS} done`);
  }
  // A ratio hides how small both sides are; the absolute medians say what RLS adds to a statement.
  console.log("\nexecution ms (median of the rounds' medians)   under RLS   by hand   RLS adds");
  for (const { name } of cases) {
    const { rls, hand } = absolute.get(name)!;
    console.log(
      `${name.padEnd(46)} ${median(rls).toFixed(3).padStart(9)} ${median(hand).toFixed(3).padStart(9)} ${(median(rls) - median(hand)).toFixed(3).padStart(10)}`,
    );
  }
  for (const { name } of cases)
    rows.push({
      name: `${name}: RLS / by hand`,
      samples: samples.get(name)!,
      unit: "×",
      target: { op: "≤", value: 1.1 },
    });
  rows.push({
    name: `admin's /todos (page + count): ${(TODOS / 1e6).toLocaleString()}M-row table, ${Math.round(TODOS * 0.3).toLocaleString()}-todo org / ${SMALL_TODOS.toLocaleString()}-todo org`,
    samples: adminRatios,
    unit: "×",
    target: { op: "≤", value: 1.5 },
  });
  report(rows);
} finally {
  await owner.end();
  await closeRolePools();
  await stack?.stop();
}
