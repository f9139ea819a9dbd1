/**
 * Undo of a 10,000-row bulk action (warden.revert_transaction): its database
 * time, and side by side in the same round the database time of the bulk
 * action it undoes, for a ratio. Delete (rows come back, with the reviews the
 * cascade took) and complete (rows change back) are measured; each round
 * arranges its rows afresh. Database time is pg_stat_statements' total for
 * the admin's top-level statements (the function's inner statements and the
 * audit triggers included).
 *
 *   npm run bench:undo        (data in .data/bench-undo; tables emptied each run)
 *   BENCH_ROUNDS=7 npm run bench:undo
 */
import { runBulk, type BulkRequest } from "../db/bulk.server";
import { DEMO_ORG_ID } from "../db/demo-identities";
import { closeDirectoryPool } from "../db/directory/apply.server";
import { createPool } from "../db/driver";
import { closeRolePools } from "../db/pools.server";
import { revertTransaction } from "../db/revert.server";
import { withIdentity } from "../db/scoped.server";
import { addMembers } from "../db/testing/directory";
import { identityFor } from "../db/testing/identities";
import { startBenchDatabase } from "./embedded";
import { report, type BenchRow } from "./report";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROWS = 10_000;
const OWNERS = 100;
const REVIEWED = 500;

const stack = await startBenchDatabase(".data/bench-undo");
const owner = createPool(process.env.DATABASE_URL!, { max: 1 });
try {
  await owner.query("create extension if not exists pg_stat_statements");
  await owner.query("truncate todos, todo_reviews restart identity cascade");
  await owner.query("truncate audit.audit_log, audit.transactions");
  // Todos put back must belong to live members: the membership trigger checks every one.
  const owners = Array.from({ length: OWNERS }, (_, index) => `bench_owner_${index}`);
  await addMembers(
    DEMO_ORG_ID,
    [...owners.map((userId) => ({ userId })), { userId: "bench_reviewer", role: "org:moderator" }],
    "Acme",
  );
  const admin = identityFor("user_adam", "org:admin");

  const arrange = async () => {
    await owner.query(
      `insert into todos (tenant_id, user_id, task) select $1, 'bench_owner_' || (g % $2), 'undo ' || g from generate_series(1, $3) g`,
      [DEMO_ORG_ID, OWNERS, ROWS],
    );
    await owner.query(
      "insert into todo_reviews (todo_id, tenant_id, reviewer_id, verdict, note) select id, tenant_id, 'bench_reviewer', 'approved', 'bench' from todos order by id limit $1",
      [REVIEWED],
    );
    await owner.query("analyze todos");
    await owner.query("analyze todo_reviews");
  };

  const databaseMs = async (work: () => Promise<unknown>) => {
    await owner.query("select pg_stat_statements_reset()");
    await work();
    const { rows } = await owner.query<{ ms: string }>(
      `select coalesce(sum(total_exec_time), 0) as ms from pg_stat_statements where userid = 'admin_backend'::regrole and query not ilike '%pg_stat_statements%'`,
    );
    return Number(rows[0].ms);
  };

  const measurePair = async (request: BulkRequest) => {
    await arrange();
    const digest = async () =>
      (
        await owner.query<{ d: string }>(
          `select (select md5(string_agg(to_jsonb(t)::text, ',' order by id)) from todos t) || (select md5(string_agg(to_jsonb(r)::text, ',' order by id)) from todo_reviews r) as d`,
        )
      ).rows[0].d;
    const before = await digest();
    let txId = 0;
    const actionMs = await databaseMs(
      async () => (txId = (await withIdentity(admin, (tx) => runBulk(tx, request))).txId),
    );
    let outcome: Awaited<ReturnType<typeof revertTransaction>> | undefined;
    const undoMs = await databaseMs(
      async () => (outcome = await withIdentity(admin, (tx) => revertTransaction(tx, txId))),
    );
    if (outcome?.status !== "reverted")
      throw new Error(`the undo did not revert: ${JSON.stringify(outcome)}`);
    if ((await digest()) !== before) throw new Error("the undo did not restore the tables exactly");
    await owner.query("delete from todos");
    return { actionMs, undoMs };
  };

  const rounds: {
    remove: Awaited<ReturnType<typeof measurePair>>;
    complete: Awaited<ReturnType<typeof measurePair>>;
  }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const remove = await measurePair({ action: "delete", target: { filter: { q: "undo" } } });
    const complete = await measurePair({ action: "complete", target: { filter: { q: "undo" } } });
    rounds.push({ remove, complete });
  }

  console.log("\n| round | delete | its undo | complete | its undo |\n|---:|---:|---:|---:|---:|");
  rounds.forEach(({ remove, complete }, round) =>
    console.log(
      `| ${round + 1} | ${remove.actionMs.toFixed(1)} ms | ${remove.undoMs.toFixed(1)} ms | ${complete.actionMs.toFixed(1)} ms | ${complete.undoMs.toFixed(1)} ms |`,
    ),
  );
  const rows: BenchRow[] = [
    {
      name: "undo of a 10,000-row bulk delete (500 reviewed): database time",
      samples: rounds.map((r) => r.remove.undoMs),
      unit: "ms",
    },
    {
      name: "undo / the bulk delete itself (database time)",
      samples: rounds.map((r) => r.remove.undoMs / r.remove.actionMs),
      unit: "×",
    },
    {
      name: "undo of a 10,000-row bulk complete: database time",
      samples: rounds.map((r) => r.complete.undoMs),
      unit: "ms",
    },
    {
      name: "undo / the bulk complete itself (database time)",
      samples: rounds.map((r) => r.complete.undoMs / r.complete.actionMs),
      unit: "×",
    },
  ];
  report(rows);
} finally {
  await owner.end();
  await closeRolePools();
  await closeDirectoryPool();
  await stack?.stop();
}
