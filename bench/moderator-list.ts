/**
 * The moderator's /todos list at a million rows: first page and 1000th keyset
 * page, each as EXPLAIN ANALYZE under RLS through the Neon driver path, and
 * the same 1000th page by OFFSET measured side by side. Reports, per round,
 * page 1000 by keyset against page 1 (keyset pages cost what the first
 * costs: docs/decisions/007) and OFFSET against keyset.
 *
 *   npm run bench:moderator-list            (data in .data/bench; made once, reused)
 *   BENCH_TODOS=200000 npm run bench:moderator-list
 */
import { sql, type SQL } from "drizzle-orm";
import { createPool } from "../db/driver";
import { withIdentity } from "../db/scoped.server";
import { closeRolePools } from "../db/pools.server";
import {
  buildListQuery,
  listTodoPage,
  PAGE_SIZE,
  LATEST_REVIEW_JOIN,
} from "../db/todo-list.server";
import { DEMO_ORG_ID } from "../db/demo-identities";
import { identityFor } from "../db/testing/identities";
import { startBenchDatabase } from "./embedded";
import { report } from "./report";

const TODOS = Number(process.env.BENCH_TODOS ?? 1_000_000);
const OWNERS = Number(process.env.BENCH_OWNERS ?? 10_000);
const TARGET_PAGE = Number(process.env.BENCH_PAGE ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const stack = await startBenchDatabase(".data/bench");
try {
  const owner = createPool(process.env.DATABASE_URL!, { max: 1 });
  const { rows } = await owner.query<{ n: string }>(
    "select count(*) as n from todos where user_id like 'bench_%'",
  );
  if (Number(rows[0].n) !== TODOS) {
    console.log(
      `seeding ${TODOS.toLocaleString()} todos across ${OWNERS.toLocaleString()} owners (once)…`,
    );
    const started = performance.now();
    await owner.query("truncate todos, todo_reviews restart identity cascade");
    await owner.query(
      `insert into todos (tenant_id, user_id, task, is_complete, inserted_at)
       select '${DEMO_ORG_ID}', 'bench_' || (g % $2), 'Task ' || g || ' ' || md5(g::text), g % 3 = 0, timestamptz '2026-01-01' + g * interval '17 seconds'
       from generate_series(1, $1) g`,
      [TODOS, OWNERS],
    );
    // One in ten reviewed: mostly approved, some flagged.
    await owner.query(
      `insert into todo_reviews (todo_id, tenant_id, reviewer_id, verdict, reason, note, created_at)
       select id, tenant_id, 'user_maya', (case when id % 50 = 0 then 'flagged' else 'approved' end)::review_verdict,
              case when id % 50 = 0 then 'spam'::review_reason end, case when id % 50 = 0 then 'needs a closer look' end, inserted_at + interval '1 hour'
       from todos where id % 10 = 0`,
    );
    await owner.query("vacuum analyze todos");
    await owner.query("vacuum analyze todo_reviews");
    console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await owner.end();

  const identity = identityFor("user_maya", "org:moderator");
  const explain = (query: SQL) =>
    withIdentity(identity, async (tx) => {
      const result = await tx.execute<{ "QUERY PLAN": string }>(
        sql`explain (analyze, buffers) ${query}`,
      );
      return result.rows.map((row) => row["QUERY PLAN"]);
    });
  const executionMs = (plan: string[]) =>
    Number(/Execution Time: ([\d.]+) ms/.exec(plan.join("\n"))?.[1]);

  const firstPlan = await explain(buildListQuery({ sort: "newest" }));

  let cursor = undefined as Awaited<ReturnType<typeof listTodoPage>>["next"] | undefined;
  const walkStarted = performance.now();
  for (let page = 1; page < TARGET_PAGE; page++) {
    const result = await withIdentity(identity, (tx) =>
      listTodoPage(tx, { sort: "newest", after: cursor ?? undefined }),
    );
    cursor = result.next;
    if (!cursor) throw new Error(`only ${page} pages exist`);
  }
  const walkMs = performance.now() - walkStarted;
  const keysetPlan = await explain(buildListQuery({ sort: "newest", after: cursor! }));

  const offsetQuery = sql`select t.id, t.user_id, t.task, t.is_complete, t.inserted_at::text as inserted_at,
      lr.verdict, lr.note as verdict_note, lr.reviewer_id, lr.created_at::text as reviewed_at
    from todos t ${LATEST_REVIEW_JOIN}
    order by t.inserted_at desc, t.id desc
    limit ${PAGE_SIZE + 1} offset ${(TARGET_PAGE - 1) * PAGE_SIZE}`;
  // Interleaved round by round, so machine noise hits all three alike.
  const firstRuns: number[] = [];
  const keysetRuns: number[] = [];
  const offsetRuns: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    firstRuns.push(executionMs(await explain(buildListQuery({ sort: "newest" }))));
    keysetRuns.push(executionMs(await explain(buildListQuery({ sort: "newest", after: cursor! }))));
    offsetRuns.push(executionMs(await explain(offsetQuery)));
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  console.log(
    `\n== first page (moderator_backend, ${TODOS.toLocaleString()} todos) ==\n${firstPlan.join("\n")}`,
  );
  console.log(`\n== page ${TARGET_PAGE} by keyset ==\n${keysetPlan.join("\n")}`);
  console.log(
    `\nwalked ${TARGET_PAGE - 1} pages in ${(walkMs / 1000).toFixed(2)} s (${(walkMs / (TARGET_PAGE - 1)).toFixed(2)} ms per page incl. round trips)`,
  );
  console.log(`first page execution:            ${executionMs(firstPlan).toFixed(3)} ms`);
  console.log(`page ${TARGET_PAGE} keyset execution (median): ${median(keysetRuns).toFixed(3)} ms`);
  console.log(`page ${TARGET_PAGE} OFFSET execution (median): ${median(offsetRuns).toFixed(3)} ms`);
  console.log(
    `OFFSET / keyset ratio:           ${(median(offsetRuns) / median(keysetRuns)).toFixed(1)}×`,
  );
  report([
    // Twice allows for the noise of sub-millisecond executions; OFFSET's cost grows with the page.
    {
      name: `moderator's page ${TARGET_PAGE} by keyset / page 1 (execution)`,
      samples: keysetRuns.map((ms, i) => ms / firstRuns[i]),
      unit: "×",
      target: { op: "≤", value: 2 },
    },
    {
      name: `moderator's page ${TARGET_PAGE}: OFFSET / keyset (execution)`,
      samples: offsetRuns.map((ms, i) => ms / keysetRuns[i]),
      unit: "×",
    },
    {
      name: `moderator's page ${TARGET_PAGE} by keyset (execution)`,
      samples: keysetRuns,
      unit: "ms",
    },
  ]);
} finally {
  await closeRolePools();
  await stack?.stop();
}
