import path from "node:path";
import { parseArgs } from "node:util";
import { ensureDatabaseEnv } from "../db/env";
import { migrateDatabase } from "../db/migrate";
import { fuzz } from "../db/model/fuzz";

/**
 * `npm run fuzz -- --ops 10000 --seed 42`: the model-based fuzzer
 * (db/model/fuzz.ts) for as long as asked, on an embedded Postgres of its
 * own (`.data/fuzz`, or WARDEN_DATA_DIR). A divergence prints its shrunk
 * trace and the `--seed … --path …` that replays it.
 *
 * Options: --ops N (default 1000), --seed S (default random),
 * --path P (replay one counterexample), --ops-per-run L (default 25),
 * --check-every K (compare every identity's view after every K-th
 * operation; default 5), --verbose (print every operation).
 */

const log = (line: string) => console.log(`[fuzz] ${line}`);

function fail(message: string): never {
  console.error(`[fuzz] ${message}`);
  process.exit(2);
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    fail(`--${name} takes a positive integer, not ${JSON.stringify(raw)}`);
  return value;
}

const args = (() => {
  try {
    return parseArgs({
      options: {
        ops: { type: "string" },
        seed: { type: "string" },
        path: { type: "string" },
        "ops-per-run": { type: "string" },
        "check-every": { type: "string" },
        verbose: { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    fail((error as Error).message);
  }
})();

const ops = positive("ops", args.ops, 1_000);
const opsPerRun = positive("ops-per-run", args["ops-per-run"], 25);
const checkEvery = positive("check-every", args["check-every"], 5);
const seed = args.seed === undefined ? (Math.random() * 2 ** 31) | 0 : Number(args.seed);
if (!Number.isSafeInteger(seed)) fail(`--seed takes an integer, not ${JSON.stringify(args.seed)}`);

// The fuzzer makes and removes tenants of its own, but it belongs on a database of its own, never on one named by DATABASE_*.
const configured = Object.keys(process.env).filter((name) => name.startsWith("DATABASE_"));
if (configured.length > 0)
  fail(`The fuzzer runs only on its embedded database; unset ${configured.join(", ")}.`);
process.env.WARDEN_DATA_DIR = path.resolve(process.env.WARDEN_DATA_DIR ?? ".data/fuzz");
for (const name of ["CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"]) delete process.env[name];

const stack = await ensureDatabaseEnv({ needOwner: true, log });
let exitCode = 0;
try {
  await migrateDatabase();
  log(
    `database: ${path.relative(process.cwd(), process.env.WARDEN_DATA_DIR)} (embedded, migrated)`,
  );
  log(
    `seed ${seed}: ${args.path ? `replaying path ${args.path}` : `${ops} operations in sequences of ${opsPerRun}`}, every view compared every ${checkEvery} operations`,
  );
  let stepped = 0;
  const report = await fuzz({
    seed,
    ops,
    opsPerRun,
    checkEvery,
    path: args.path,
    onStep: (line) => {
      stepped += 1;
      if (args.verbose) console.log(line);
      else if (stepped % 1_000 === 0) log(`${stepped} operations…`);
    },
  });
  const seconds = report.ms / 1000;
  console.log("");
  console.log(`seed:        ${report.seed}`);
  console.log(
    `operations:  ${report.ops} in ${report.runs} sequences${report.shrinkOps ? ` (+${report.shrinkOps} replayed while shrinking)` : ""}`,
  );
  console.log(`divergences: ${report.divergences}`);
  console.log(
    `time:        ${seconds.toFixed(1)} s (${(report.ms / Math.max(1, report.ops + report.shrinkOps)).toFixed(1)} ms per operation)`,
  );
  if (report.failure) {
    exitCode = 1;
    console.log("");
    console.log(report.failure.message);
    console.log("");
    console.log(
      `shrunk in ${report.failure.shrinks} steps; replay: npm run fuzz -- --seed ${report.seed} --path ${report.failure.path} --ops-per-run ${opsPerRun} --check-every ${checkEvery}`,
    );
  }
} finally {
  await stack?.stop();
}
process.exit(exitCode);
