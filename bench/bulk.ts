/**
 * Admin bulk complete of 10,000 and 50,000 rows: database time and the number
 * of statements the app sent (pg_stat_statements, top level only, so the
 * audit trigger's own insert is not counted), and, side by side in the same
 * run, the same 10,000 rows updated one statement per row for a ratio.
 *
 *   npm run bench:bulk        (data in .data/bench-bulk; recreated each run)
 */
import { sql } from "drizzle-orm";
import { createPool } from "../db/driver";
import { withIdentity } from "../db/scoped.server";
import { closeRolePools } from "../db/pools.server";
import { runBulk } from "../db/bulk.server";
import { DEMO_ORG_ID } from "../db/demo-identities";
import { identityFor } from "../db/testing/identities";
import { startBenchDatabase } from "./embedded";

const stack = await startBenchDatabase(".data/bench-bulk");
const owner = createPool(process.env.DATABASE_URL!, { max: 1 });
try {
  await owner.query("create extension if not exists pg_stat_statements");
  await owner.query("truncate todos, todo_reviews restart identity cascade");
  await owner.query("truncate audit.audit_log");
  const identity = identityFor("user_adam", "org:admin");

  const arrange = async (label: string, rows: number) => {
    await owner.query(
      `insert into todos (tenant_id, user_id, task) select '${DEMO_ORG_ID}', 'bench_' || $1 || '_' || (g % 100), 'bulk ' || g from generate_series(1, $2) g`,
      [label, rows],
    );
    await owner.query("analyze todos");
  };

  const measure = async (label: string, work: () => Promise<unknown>) => {
    await owner.query("select pg_stat_statements_reset()");
    const started = performance.now();
    await work();
    const wallMs = performance.now() - started;
    const { rows } = await owner.query<{ calls: string; ms: string }>(
      `select coalesce(sum(calls), 0) as calls, coalesce(sum(total_exec_time), 0) as ms
       from pg_stat_statements where userid = 'admin_backend'::regrole and query not ilike '%pg_stat_statements%'`,
    );
    return { label, statements: Number(rows[0].calls), databaseMs: Number(rows[0].ms), wallMs };
  };

  const results = [];
  for (const size of [10_000, 50_000]) {
    const label = `set${size}`;
    await arrange(label, size);
    results.push(
      await measure(`bulk complete, ${size.toLocaleString("en-US")} rows (one action)`, () =>
        withIdentity(identity, (tx) => runBulk(tx, { action: "complete", target: { filter: { q: "bulk" } } })),
      ),
    );
    await owner.query("delete from todos");
  }
  await arrange("rows", 10_000);
  const { rows: idRows } = await owner.query<{ id: string }>("select id from todos order by id");
  const ids = idRows.map((row) => Number(row.id));
  results.push(
    await measure("one UPDATE per row, 10,000 rows (same transaction)", () =>
      withIdentity(identity, async (tx) => {
        for (const id of ids) await tx.execute(sql`update todos set is_complete = true where id = ${id} and is_complete = false`);
      }),
    ),
  );

  const { rows: audit } = await owner.query<{ entries: string; transactions: string }>(
    "select count(*) as entries, count(distinct tx_id) as transactions from audit.audit_log where actor = 'user_adam'",
  );
  console.log("\n| case | statements sent | database time | wall time |\n|---|---:|---:|---:|");
  for (const r of results) console.log(`| ${r.label} | ${r.statements} | ${r.databaseMs.toFixed(1)} ms | ${r.wallMs.toFixed(1)} ms |`);
  const set10k = results[0];
  const perRow = results[2];
  console.log(`\nper-row / set-based (10,000 rows): ${(perRow.wallMs / set10k.wallMs).toFixed(1)}× wall time, ${(perRow.databaseMs / set10k.databaseMs).toFixed(1)}× database time`);
  console.log(`audit entries by user_adam: ${audit[0].entries} in ${audit[0].transactions} transactions`);
} finally {
  await owner.end();
  await closeRolePools();
  await stack?.stop();
}
