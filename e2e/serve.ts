import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { createPool } from "../db/driver";
import { LocalPostgres } from "../db/local/postgres";
import { cloneDatabase, envForDatabase, withDatabase } from "../db/local/clones";
import { DATABASE_NAME, freePort, startLocalStack } from "../db/local/stack";
import { migrateDatabase } from "../db/migrate";
import { seedDemoData } from "../db/seed";
import { checkConfigOrExit } from "../scripts/serve";
import { E2E_WORKERS, workerDatabase, workerPort } from "./origin";

/**
 * One embedded Postgres for the run, migrated and seeded once; each worker's
 * database is a copy of that one, served by an app server of its own (the
 * same production build). The login roles belong to the whole cluster, so
 * every server's connection strings differ from the template's in the
 * database name alone. Prints "ready" when every server answers.
 */

const log = (line: string) => console.log(`[e2e] ${line}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Every browser run starts from the seed data alone. A server an interrupted
// run left behind is stopped before its data directory goes.
const dataDir = path.resolve(process.env.WARDEN_DATA_DIR ?? ".data/e2e");
await new LocalPostgres({
  dataDir: path.join(dataDir, "pg"),
  port: 0,
  superuser: "postgres",
  password: "",
}).stopStale();
await rm(dataDir, { recursive: true, force: true });

checkConfigOrExit();
if (!existsSync("build/index.js")) {
  console.error("No production build found. Run `npm run build` first.");
  process.exit(1);
}
const ports = Array.from({ length: E2E_WORKERS }, (_, index) => workerPort(index));
for (const port of ports)
  if ((await freePort(port)) !== port) {
    // Another run's server answering here would pass for ours.
    console.error(`Port ${port} is taken: choose another E2E_PORT.`);
    process.exit(1);
  }

const stack = await startLocalStack({ dataDir, log });
Object.assign(process.env, stack.env);
const children: ChildProcess[] = [];
let stopping = false;

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      // An app server stops listening at once but lingers until idle database
      // connections time out; in-flight requests get a grace period, no more.
      const grace = setTimeout(() => child.kill("SIGKILL"), 2_000);
      await exited;
      clearTimeout(grace);
    }),
  );
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(130));
process.on("SIGTERM", () => void stop(143));

try {
  await migrateDatabase(log);
  await seedDemoData(log);
  const cluster = createPool(withDatabase(stack.env.DATABASE_URL, "postgres"), { max: 1 });
  try {
    // A template may have no sessions while it is copied; the seed's last ones may still be closing.
    while (
      (await cluster.query("select 1 from pg_stat_activity where datname = $1", [DATABASE_NAME]))
        .rowCount
    )
      await pause(50);
    for (const index of ports.keys())
      await cloneDatabase(cluster, DATABASE_NAME, workerDatabase(index));
  } finally {
    await cluster.end();
  }
} catch (error) {
  console.error(error);
  await stop(1);
}

for (const [index, port] of ports.entries()) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...envForDatabase(stack.env, workerDatabase(index)),
    HOST: "127.0.0.1",
    PORT: String(port),
  };
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/app-server.ts"], {
    stdio: "inherit",
    env,
  });
  child.on("exit", (code) => void stop(code ?? 1));
  children.push(child);
}

async function answers(port: number) {
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await pause(100);
  }
}
await Promise.all(ports.map(answers));
log(`ready: ${ports.length} servers, http://127.0.0.1:${ports[0]} to ${ports.at(-1)}`);
