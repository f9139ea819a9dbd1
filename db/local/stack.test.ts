import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../driver";
import { LocalPostgres, runningServerPid } from "./postgres";
import { startLocalStack, type LocalStack } from "./stack";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STACK_MODULE = fileURLToPath(new URL("./stack.ts", import.meta.url));
// Its own data directory beside the suite's, whose server must not be touched.
const DATA_DIR = path.resolve(ROOT, `${process.env.WARDEN_TEST_DATA_DIR ?? ".data/test"}-recovery`);
const PG_DIR = path.join(DATA_DIR, "pg");

// The suite's proxy; startLocalStack in this process repoints the driver.
const suiteProxy = process.env.WARDEN_LOCAL_WS_PROXY;

/** A process that owns a local stack until it is killed, as `npm run dev` would. */
const OWNER_SCRIPT = `
const { startLocalStack } = await import(process.env.STACK_MODULE);
const stack = await startLocalStack({ dataDir: process.env.STACK_DATA_DIR, log: (line) => process.stderr.write(line + "\\n") });
process.stdout.write(JSON.stringify(stack.env) + "\\n");
setInterval(() => {}, 1 << 30);
`;

interface Owner {
  child: ChildProcess;
  env: Record<string, string>;
  exited: Promise<void>;
}

const children: ChildProcess[] = [];
const stacks: LocalStack[] = [];

async function spawnOwner(): Promise<Owner> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("DATABASE_") && name !== "WARDEN_LOCAL_WS_PROXY",
    ),
  ) as NodeJS.ProcessEnv;
  // process.execPath itself, not npx: the pid we SIGKILL must be the one stack.json records.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", OWNER_SCRIPT],
    {
      cwd: ROOT,
      env: { ...env, STACK_MODULE, STACK_DATA_DIR: DATA_DIR },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const stackEnv = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`owner process printed no env within 90s\n${stderr}`)),
      90_000,
    );
    lines.on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, string>;
        if (!parsed.DATABASE_URL) return;
        clearTimeout(timer);
        resolve(parsed);
      } catch {
        // not the env line
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`owner process exited (${signal ?? code}) before printing its env\n${stderr}`),
      );
    });
  });
  return { child, env: stackEnv, exited };
}

async function kill(owner: Owner, signal: NodeJS.Signals) {
  owner.child.kill(signal);
  await owner.exited;
}

/**
 * The postmasters whose command line names PG_DIR, read from /proc rather than
 * from postmaster.pid (which is what the code under test trusts). Zombies do
 * not count: after a stop, the reparented postmaster may linger as one until
 * init reaps it.
 */
function postmastersFor(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const state = readFileSync(`/proc/${entry}/stat`, "utf8").replace(/^.*\) /, "")[0];
      const dIndex = argv.indexOf("-D");
      if (state !== "Z" && dIndex !== -1 && path.resolve(argv[dIndex + 1] ?? "") === dataDir)
        pids.push(Number(entry));
    } catch {
      // the process ended while we read it
    }
  }
  return pids;
}

const processRunning = (pid: number) => {
  try {
    return !/^.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

/** Whether `pid` is gone within a few seconds: pg_ctl's wait ends with the pid file, and on a busy machine the process can outlive it briefly. */
async function exits(pid: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (processRunning(pid) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  return !processRunning(pid);
}

async function selectOne(url: string) {
  const pool = createPool(url, { max: 1 });
  try {
    const { rows } = await pool.query(
      "select 1 as one, pg_postmaster_start_time()::text as started",
    );
    return rows[0] as { one: number; started: string };
  } finally {
    await pool.end();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms}ms`)), ms)),
    ),
  ]);
}

const stackState = () =>
  JSON.parse(readFileSync(path.join(DATA_DIR, "stack.json"), "utf8")) as {
    pgPort: number;
    ownerPid: number;
  };

async function stopEverything() {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const stack of stacks.splice(0)) await stack.stop().catch(() => {});
  if (existsSync(path.join(DATA_DIR, "secrets.json")) && runningServerPid(PG_DIR) !== null) {
    const { ownerPassword } = JSON.parse(readFileSync(path.join(DATA_DIR, "secrets.json"), "utf8"));
    await new LocalPostgres({
      dataDir: PG_DIR,
      port: 0,
      superuser: "postgres",
      password: ownerPassword,
      log: () => {},
    }).stopStale();
  }
  process.env.WARDEN_LOCAL_WS_PROXY = suiteProxy;
}

beforeAll(async () => {
  await rm(DATA_DIR, { recursive: true, force: true });
});

afterEach(stopEverything);

afterAll(async () => {
  await stopEverything();
  expect(runningServerPid(PG_DIR)).toBeNull();
  expect(postmastersFor(PG_DIR)).toEqual([]);
});

describe("startLocalStack", () => {
  it(
    "recovers from an owner killed with SIGKILL: stops the orphaned server and starts a fresh one",
    { timeout: 180_000 },
    async () => {
      const owner = await spawnOwner();
      const orphan = runningServerPid(PG_DIR);
      expect(orphan).not.toBeNull();
      expect(stackState().ownerPid).toBe(owner.child.pid);

      await kill(owner, "SIGKILL");
      // The server outlives its owner: that is the state to recover from.
      expect(runningServerPid(PG_DIR)).toBe(orphan);
      expect(postmastersFor(PG_DIR)).toEqual([orphan]);

      const started = Date.now();
      const stack = await withTimeout(
        startLocalStack({ dataDir: DATA_DIR, log: () => {} }),
        60_000,
        "recovery",
      );
      stacks.push(stack);
      expect(Date.now() - started).toBeLessThan(60_000);

      const fresh = runningServerPid(PG_DIR);
      expect(fresh).not.toBeNull();
      expect(fresh).not.toBe(orphan);
      expect(await exits(orphan!)).toBe(true);
      expect(postmastersFor(PG_DIR)).toEqual([fresh]);
      expect(stackState().ownerPid).toBe(process.pid);
      expect(process.env.WARDEN_LOCAL_WS_PROXY).toBe(stack.env.WARDEN_LOCAL_WS_PROXY);

      expect((await selectOne(stack.env.DATABASE_URL)).one).toBe(1);

      await stack.stop();
      stacks.length = 0;
      expect(runningServerPid(PG_DIR)).toBeNull();
      expect(await exits(fresh!)).toBe(true);
      expect(postmastersFor(PG_DIR)).toEqual([]);
    },
  );

  it(
    "attaches to the server of a live owner instead of restarting it, and leaves it running on stop",
    { timeout: 180_000 },
    async () => {
      const owner = await spawnOwner();
      const serverPid = runningServerPid(PG_DIR);
      expect(serverPid).not.toBeNull();
      expect(stackState().ownerPid).toBe(owner.child.pid);

      process.env.WARDEN_LOCAL_WS_PROXY = owner.env.WARDEN_LOCAL_WS_PROXY;
      const startedBefore = (await selectOne(owner.env.DATABASE_URL)).started;

      const attached = await withTimeout(
        startLocalStack({ dataDir: DATA_DIR, log: () => {} }),
        60_000,
        "attach",
      );
      stacks.push(attached);
      expect(attached.env.DATABASE_URL).toBe(owner.env.DATABASE_URL);
      // Its own proxy, in front of the owner's server.
      expect(attached.env.WARDEN_LOCAL_WS_PROXY).not.toBe(owner.env.WARDEN_LOCAL_WS_PROXY);

      const through = await selectOne(attached.env.DATABASE_URL);
      expect(through.one).toBe(1);
      // Same server start time: not stopped and started again.
      expect(through.started).toBe(startedBefore);
      expect(runningServerPid(PG_DIR)).toBe(serverPid);
      expect(stackState().ownerPid).toBe(owner.child.pid);

      await attached.stop();
      stacks.length = 0;
      expect(runningServerPid(PG_DIR)).toBe(serverPid);
      expect(postmastersFor(PG_DIR)).toEqual([serverPid]);
      // The owner's own path to its server still works.
      process.env.WARDEN_LOCAL_WS_PROXY = owner.env.WARDEN_LOCAL_WS_PROXY;
      expect((await selectOne(owner.env.DATABASE_URL)).started).toBe(startedBefore);

      // The stack does not handle SIGTERM, so this too leaves the server behind;
      // the recovery path cleans it up.
      await kill(owner, "SIGTERM");
      expect(runningServerPid(PG_DIR)).toBe(serverPid);
      const cleanup = await withTimeout(
        startLocalStack({ dataDir: DATA_DIR, log: () => {} }),
        60_000,
        "recovery after SIGTERM",
      );
      stacks.push(cleanup);
      expect(runningServerPid(PG_DIR)).not.toBe(serverPid);
      await cleanup.stop();
      stacks.length = 0;
      expect(runningServerPid(PG_DIR)).toBeNull();
      expect(postmastersFor(PG_DIR)).toEqual([]);
    },
  );
});
