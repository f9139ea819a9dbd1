/**
 * Runs every benchmark that reports (each bench/*.ts that imports ./report),
 * one after another in child processes whose output streams through, then
 * prints all their rows as one table. Exits non-zero when a benchmark fails.
 *
 *   npm run bench                         (every benchmark but the slow ones)
 *   npm run bench -- --slow               (the soak too: minutes of load on a production build)
 *   npm run bench -- round-trips bulk     (only these)
 *
 * Slow, left out unless --slow: soak.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatTable, type BenchRow } from "./report";

const SLOW = new Set(["soak"]);

const { values: options, positionals: only } = parseArgs({
  options: { slow: { type: "boolean", default: false } },
  allowPositionals: true,
});
const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = createRequire(import.meta.url).resolve("tsx/cli");

const reporting = readdirSync(here)
  .filter(
    (file) =>
      file.endsWith(".ts") &&
      !file.endsWith(".test.ts") &&
      file !== "report.ts" &&
      file !== "all.ts",
  )
  .filter((file) =>
    /from\s+["']\.\/report(\.ts)?["']/.test(readFileSync(path.join(here, file), "utf8")),
  )
  .map((file) => file.replace(/\.ts$/, ""))
  .sort();
const unknown = only.filter((name) => !reporting.includes(name));
if (unknown.length > 0)
  throw new Error(
    `No reporting benchmark named ${unknown.join(", ")}; there are: ${reporting.join(", ")}`,
  );
const chosen = only.length > 0 ? only : reporting.filter((name) => options.slow || !SLOW.has(name));
const skipped = reporting.filter((name) => !chosen.includes(name));

function run(name: string, reportFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, path.join(here, `${name}.ts`)], {
      stdio: "inherit",
      env: { ...process.env, BENCH_REPORT: reportFile },
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const dir = mkdtempSync(path.join(tmpdir(), "warden-bench-"));
const rows: BenchRow[] = [];
const failed: string[] = [];
try {
  for (const name of chosen) {
    console.log(`\n===== ${name} =====`);
    const file = path.join(dir, `${name}.jsonl`);
    const started = performance.now();
    const code = await run(name, file);
    console.log(
      `===== ${name}: ${code === 0 ? "done" : `FAILED (exit ${code})`} in ${((performance.now() - started) / 1000).toFixed(0)} s =====`,
    );
    if (code !== 0) failed.push(name);
    // A benchmark that failed before its report wrote nothing.
    const reported = existsSync(file) ? readFileSync(file, "utf8") : "";
    for (const line of reported.split("\n").filter(Boolean)) {
      const row = JSON.parse(line) as BenchRow;
      rows.push({ ...row, name: `${name}: ${row.name}` });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\n===== all benchmarks =====\n${rows.length > 0 ? formatTable(rows) : "(no rows reported)"}`,
);
if (skipped.length > 0)
  console.log(
    `\nnot run: ${skipped.join(", ")}${skipped.some((name) => SLOW.has(name)) ? " (slow ones run with --slow)" : ""}`,
  );
if (failed.length > 0) {
  console.log(`failed: ${failed.join(", ")}`);
  process.exitCode = 1;
}
