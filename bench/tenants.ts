/**
 * The tenant predicate at a million rows over a hundred organizations: is
 * every view an index scan, and what does RLS cost against the same query
 * with the tenant and owner written by hand? Under RLS the queries run as
 * the request roles through the Neon driver path; the hand-written ones run
 * as the owner (no RLS) with the same WHERE the policies add. Each pair is
 * measured interleaved, several rounds, with min/median/max.
 *
 *   npm run bench:tenants                    (data in .data/bench-tenants; made once, reused)
 *   BENCH_TODOS=200000 npm run bench:tenants
 */
import { sql, type SQL } from "drizzle-orm";
import { createPool } from "../db/driver";
import { closeRolePools } from "../db/pools.server";
import { withIdentity } from "../db/scoped.server";
import { identityFor } from "../db/testing/identities";
import { buildListQuery, PAGE_SIZE } from "../db/todo-list.server";
import type { Identity } from "../roles/identity";
import { startBenchDatabase } from "./embedded";

const TODOS = Number(process.env.BENCH_TODOS ?? 1_000_000);
const ORGS = Number(process.env.BENCH_ORGS ?? 100);
const OWNERS = Number(process.env.BENCH_OWNERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TARGET_PAGE = Number(process.env.BENCH_PAGE ?? 1000);
// The largest organization holds 30% of all todos, so a moderator's 1000th page exists there.
const BIG = "org_bench_000";
// Owner ids ending in 1 land in the big organization (g % 10 < 3).
const MEMBER = "bench_1";

const stack = await startBenchDatabase(".data/bench-tenants");
const owner = createPool(process.env.DATABASE_URL!, { max: 1 });
try {
  const { rows } = await owner.query<{ n: string }>("select count(*) as n from todos where user_id like 'bench_%'");
  if (Number(rows[0].n) !== TODOS) {
    console.log(`seeding ${TODOS.toLocaleString()} todos across ${ORGS} organizations and ${OWNERS.toLocaleString()} owners (once)…`);
    const started = performance.now();
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
       select id, tenant_id, 'user_maya', 'approved', inserted_at + interval '1 hour' from todos where id % 10 = 0`,
    );
    await owner.query("vacuum analyze todos");
    await owner.query("vacuum analyze todo_reviews");
    console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  const member = identityFor(MEMBER, "org:member", BIG);
  const moderator = identityFor("user_maya", "org:moderator", BIG);
  const admin = identityFor("user_adam", "org:admin", BIG);

  const plan = async (identity: Identity, query: SQL) =>
    withIdentity(identity, async (tx) => (await tx.execute<{ "QUERY PLAN": string }>(sql`explain (analyze, buffers) ${query}`)).rows.map((row) => row["QUERY PLAN"]));
  const ownerPlan = async (text: string) => (await owner.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers) ${text}`)).rows.map((row) => row["QUERY PLAN"]);
  const executionMs = (lines: string[]) => Number(/Execution Time: ([\d.]+) ms/.exec(lines.join("\n"))?.[1]);

  // The moderator's cursor for the target page, found by walking the index as the app's keyset pages would.
  const { rows: cursorRows } = await owner.query<{ at: string; id: string }>(
    `select inserted_at::text as at, id from todos where tenant_id = $1 order by inserted_at desc, id desc offset $2 limit 1`,
    [BIG, (TARGET_PAGE - 1) * PAGE_SIZE - 1],
  );
  const cursor = { at: cursorRows[0].at, id: Number(cursorRows[0].id) };
  const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;
  const listColumns = `t.id, t.user_id, t.task, t.is_complete, t.inserted_at::text as inserted_at, lr.verdict, lr.note as verdict_note, lr.reviewer_id, lr.created_at::text as reviewed_at`;
  const lateral = (tenant: string) =>
    `left join lateral (select r.verdict, r.note, r.reviewer_id, r.created_at from todo_reviews r where r.todo_id = t.id and r.tenant_id = ${quote(tenant)} order by r.created_at desc, r.id desc limit 1) lr on true`;

  const cases: { name: string; rls: () => Promise<string[]>; byHand: () => Promise<string[]> }[] = [
    {
      name: "member's first page",
      rls: () => plan(member, buildListQuery({ sort: "newest" })),
      byHand: () =>
        ownerPlan(`select ${listColumns} from todos t ${lateral(BIG)} where t.tenant_id = ${quote(BIG)} and t.user_id = ${quote(MEMBER)} order by t.inserted_at desc, t.id desc limit ${PAGE_SIZE + 1}`),
    },
    {
      name: "moderator's first page",
      rls: () => plan(moderator, buildListQuery({ sort: "newest" })),
      byHand: () => ownerPlan(`select ${listColumns} from todos t ${lateral(BIG)} where t.tenant_id = ${quote(BIG)} order by t.inserted_at desc, t.id desc limit ${PAGE_SIZE + 1}`),
    },
    {
      name: `moderator's page ${TARGET_PAGE} (keyset)`,
      rls: () => plan(moderator, buildListQuery({ sort: "newest", after: cursor })),
      byHand: () =>
        ownerPlan(
          `select ${listColumns} from todos t ${lateral(BIG)} where t.tenant_id = ${quote(BIG)} and (t.inserted_at, t.id) < (${quote(cursor.at)}::timestamptz, ${cursor.id}) order by t.inserted_at desc, t.id desc limit ${PAGE_SIZE + 1}`,
        ),
    },
    {
      name: "admin's count (capped at 50,001)",
      rls: () => plan(admin, sql`select count(*) as n from (select 1 from todos t limit 50001) matching`),
      byHand: () => ownerPlan(`select count(*) as n from (select 1 from todos t where t.tenant_id = ${quote(BIG)} limit 50001) matching`),
    },
  ];

  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
  };
  const fmt = (value: number) => value.toFixed(3).padStart(8);

  for (const { name, rls, byHand } of cases) {
    const shown = await rls();
    console.log(`\n== ${name}, under RLS ==\n${shown.join("\n")}`);
    const scans = shown.filter((line) => /Seq Scan on todos|Seq Scan on todo_reviews/.test(line));
    console.log(scans.length ? `!! sequential scans: ${scans.length}` : "index scans only");
    const rlsRuns: number[] = [];
    const handRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rlsRuns.push(executionMs(await rls()));
      handRuns.push(executionMs(await byHand()));
    }
    const a = stats(rlsRuns);
    const b = stats(handRuns);
    console.log(`execution ms        min      median   max`);
    console.log(`under RLS       ${fmt(a.min)} ${fmt(a.median)} ${fmt(a.max)}`);
    console.log(`by hand         ${fmt(b.min)} ${fmt(b.median)} ${fmt(b.max)}`);
    console.log(`RLS / by hand (median): ${(a.median / b.median).toFixed(2)}×`);
  }
} finally {
  await owner.end();
  await closeRolePools();
  await stack?.stop();
}
