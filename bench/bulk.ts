/**
 * Admin bulk complete of 10,000 and 50,000 rows: database time and the number
 * of statements the app sent (pg_stat_statements, top level only, so the
 * audit trigger's own insert is not counted), and, side by side in the same
 * run, the same 10,000 rows updated one statement per row for a ratio.
 * Each round arranges its rows afresh; the report has one sample per round.
 *
 *   npm run bench:bulk        (data in .data/bench-bulk; recreated each run)
 *   BENCH_ROUNDS=5 npm run bench:bulk
 */
import { sql } from "drizzle-orm";
import { createPool } from "../db/driver";
import { withIdentity } from "../db/scoped.server";
import { closeRolePools } from "../db/pools.server";
import { runBulk } from "../db/bulk.server";
import { DEMO_ORG_ID } from "../db/demo-identities";
import { identityFor } from "../db/testing/identities";
import { startBenchDatabase } from "./embedded";
import { report, type BenchRow } from "./report";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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

  const bulkComplete = (size: number) =>
    measure(`bulk complete, ${size.toLocaleString("en-US")} rows (one action)`, () =>
      withIdentity(identity, (tx) =>
        runBulk(tx, { action: "complete", target: { filter: { q: "bulk" } } }),
      ),
    );
  const rounds: Awaited<ReturnType<typeof measure>>[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const results = [];
    for (const size of [10_000, 50_000]) {
      await arrange(`set${size}`, size);
      results.push(await bulkComplete(size));
      await owner.query("delete from todos");
    }
    await arrange("rows", 10_000);
    const { rows: idRows } = await owner.query<{ id: string }>("select id from todos order by id");
    const ids = idRows.map((row) => Number(row.id));
    results.push(
      await measure("one UPDATE per row, 10,000 rows (same transaction)", () =>
        withIdentity(identity, async (tx) => {
          for (const id of ids)
            await tx.execute(
              sql`update todos set is_complete = true where id = ${id} and is_complete = false`,
            );
        }),
      ),
    );
    await owner.query("delete from todos");
    rounds.push(results);
  }

  const { rows: audit } = await owner.query<{ entries: string; transactions: string }>(
    "select count(*) as entries, count(distinct tx_id) as transactions from audit.audit_log where actor = 'user_adam'",
  );
  console.log(
    "\n| round | case | statements sent | database time | wall time |\n|---:|---|---:|---:|---:|",
  );
  rounds.forEach((results, round) => {
    for (const r of results)
      console.log(
        `| ${round + 1} | ${r.label} | ${r.statements} | ${r.databaseMs.toFixed(1)} ms | ${r.wallMs.toFixed(1)} ms |`,
      );
  });
  console.log(
    `\naudit entries by user_adam: ${audit[0].entries} in ${audit[0].transactions} transactions`,
  );
  const [set10k, set50k, perRow] = [0, 1, 2].map((index) =>
    rounds.map((results) => results[index]),
  );
  const rows: BenchRow[] = [
    {
      name: "bulk complete, 10,000 rows: database time",
      samples: set10k.map((r) => r.databaseMs),
      unit: "ms",
    },
    {
      name: "bulk complete, 50,000 rows: database time",
      samples: set50k.map((r) => r.databaseMs),
      unit: "ms",
    },
    {
      name: "bulk complete, 10,000 rows: statements sent",
      samples: set10k.map((r) => r.statements),
      unit: "statements",
    },
    {
      name: "per-row / set-based, 10,000 rows (database time)",
      samples: perRow.map((r, i) => r.databaseMs / set10k[i].databaseMs),
      unit: "×",
    },
    {
      name: "per-row / set-based, 10,000 rows (wall time)",
      samples: perRow.map((r, i) => r.wallMs / set10k[i].wallMs),
      unit: "×",
    },
  ];
  report(rows);
} finally {
  await owner.end();
  await closeRolePools();
  await stack?.stop();
}
