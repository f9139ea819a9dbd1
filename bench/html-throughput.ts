/**
 * HTML throughput: `/todos` as a member, a moderator and an admin against
 * `/help`, a page with the same root layout and loader chain (session
 * cookie, token verification, the header) and no database work. Each run is
 * a keep-alive load of 10 connections for a few seconds, from a generator in
 * its own process (bench/http-load.ts); the runs of a round are interleaved,
 * so other work on the machine weighs on both sides of each ratio alike.
 *
 *   npm run bench:html [-- --rounds 3 --seconds 4 --concurrency 10]
 *   npm run bench:html -- --profile todos    (or help: the server's CPU profile over one measured run, per request)
 *   npm run bench:html -- --profile todos --as admin    (member, moderator or admin; member by default)
 *
 * The production build serves on an embedded Postgres of its own
 * (.data/bench-html, seeded with the demo data as `npm run db:seed` does).
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { seedDemoData } from "../db/seed";
import WebSocket from "ws";
import { freePort } from "../db/local/stack";
import { ensureProductionBuild, signIn, startServer, stopServer, waitHealthy } from "./app-process";
import { summarizeProfile, type CpuProfile } from "./cpu-profile";
import { startBenchDatabase } from "./embedded";
import type { LoadJob, LoadResult } from "./http-load";
import { report, summarize, type BenchRow } from "./report";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "4" },
    concurrency: { type: "string", default: "10" },
    profile: { type: "string" },
    as: { type: "string", default: "member" },
  },
});
const ROUNDS = Number(options.rounds);
const SECONDS = Number(options.seconds);
const CONCURRENCY = Number(options.concurrency);
// Long enough for a role's pool to open its connections again (SCRAM in the
// driver costs tens of ms of CPU per connection) after idling through the other runs.
const WARMUP_SECONDS = 2;
const PROFILE_DIR = path.resolve(".data/bench-html-profile");

const ROLES = [
  { role: "member", userId: "user_alice" },
  { role: "moderator", userId: "user_maya" },
  { role: "admin", userId: "user_adam" },
] as const;
type Role = (typeof ROLES)[number]["role"];
type Page = "help" | "todos";

/** Server CPU time so far (user and system), in ms. */
function cpuMs(pid: number): number {
  const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  const stat = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
  return (Number(stat[11]) + Number(stat[12])) * 10;
}

class Generator {
  private readonly child = fork(path.resolve("bench/http-load.ts"), {
    execArgv: ["--import", "tsx"],
    stdio: "inherit",
  });

  /** Calls `onMark` when the warm-up ends. */
  run(job: LoadJob, onMark: () => void): Promise<LoadResult> {
    return new Promise((resolve) => {
      const listen = (message: LoadResult | { mark: true }) => {
        if ("mark" in message) return onMark();
        this.child.off("message", listen);
        resolve(message);
      };
      this.child.on("message", listen);
      this.child.send(job);
    });
  }

  stop() {
    this.child.disconnect();
  }
}

interface Measured extends LoadResult {
  /** Server CPU per request answered in the measured window, in ms. */
  cpu: number;
}

async function measure(
  generator: Generator,
  server: ChildProcess,
  origin: string,
  page: Page,
  cookie: string,
  onMark = () => {},
): Promise<Measured> {
  let before = Number.NaN;
  const job = {
    url: `${origin}/${page}`,
    cookie,
    concurrency: CONCURRENCY,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
  };
  const result = await generator.run(job, () => {
    before = cpuMs(server.pid!);
    onMark();
  });
  if (result.errors > 0)
    throw new Error(`/${page}: ${result.errors} requests failed or answered other than 200`);
  return { ...result, cpu: (cpuMs(server.pid!) - before) / result.requests };
}

const fixed = (value: number, digits = 1) => value.toFixed(digits).padStart(7);

function printRun(label: string, m: Measured) {
  console.log(
    `${label.padEnd(22)} ${fixed(m.rps, 0)} req/s  p50 ${fixed(m.p50)} ms  p99 ${fixed(m.p99)} ms  server CPU ${fixed(m.cpu, 2)} ms/req  ${fixed(m.bytes / 1024)} KB/resp`,
  );
}

async function benchmark(origin: string, server: ChildProcess, cookies: Map<Role, string>) {
  const generator = new Generator();
  const samples = new Map<string, number[]>();
  const add = (name: string, value: number) =>
    samples.set(name, [...(samples.get(name) ?? []), value]);
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`\nround ${round}`);
      for (const [index, { role }] of ROLES.entries()) {
        // Which page goes first alternates, so neither always follows the other.
        const order: Page[] = (round + index) % 2 ? ["todos", "help"] : ["help", "todos"];
        const runs = {} as Record<Page, Measured>;
        for (const page of order) {
          runs[page] = await measure(generator, server, origin, page, cookies.get(role)!);
          printRun(`/${page} (${role})`, runs[page]);
        }
        add(`todos/help rps (${role})`, runs.todos.rps / runs.help.rps);
        add(`p99/p50 /todos (${role})`, runs.todos.p99 / runs.todos.p50);
        add(`raw:/todos rps (${role})`, runs.todos.rps);
        add(`raw:/help rps (${role})`, runs.help.rps);
        add(`raw:/todos p50 (${role})`, runs.todos.p50);
        add(`raw:/todos p99 (${role})`, runs.todos.p99);
        add(`raw:/help p50 (${role})`, runs.help.p50);
        add(`raw:/help p99 (${role})`, runs.help.p99);
        add(`raw:/todos server CPU (${role})`, runs.todos.cpu);
        add(`raw:/help server CPU (${role})`, runs.help.cpu);
      }
    }
  } finally {
    generator.stop();
  }
  console.log("\nraw medians over rounds:");
  for (const [name, values] of samples) {
    if (!name.startsWith("raw:")) continue;
    const unit = name.includes("rps") ? "req/s" : "ms";
    const { min, median, max } = summarize(values);
    console.log(
      `  ${name.slice(4).padEnd(30)} ${fixed(median, unit === "req/s" ? 0 : 2)} ${unit}  (min ${min.toFixed(1)}, max ${max.toFixed(1)})`,
    );
  }
  const rows: BenchRow[] = ROLES.flatMap(({ role }) => [
    {
      name: `todos/help rps (${role})`,
      samples: samples.get(`todos/help rps (${role})`)!,
      unit: "×",
      target: { op: "≥", value: 0.5 },
    },
    {
      name: `p99/p50 /todos (${role})`,
      samples: samples.get(`p99/p50 /todos (${role})`)!,
      unit: "×",
      target: { op: "≤", value: 4 },
    },
  ]);
  report(rows);
}

/** The V8 profiler of the server's main thread, through its inspector (the same profiler as `node --cpu-prof`, started and stopped at will). */
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    return new Inspector(socket);
  }

  send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (result: unknown) => void);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close() {
    this.socket.close();
  }
}

/** One page under load, the server profiled through the measured window only, summarized per request. */
async function profile(
  origin: string,
  server: ChildProcess,
  inspectorPort: number,
  page: Page,
  cookie: string,
) {
  const inspector = await Inspector.connect(inspectorPort);
  const generator = new Generator();
  let measured: Measured;
  let started: Promise<unknown> = Promise.resolve();
  try {
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
    measured = await measure(
      generator,
      server,
      origin,
      page,
      cookie,
      () => (started = inspector.send("Profiler.start")),
    );
  } finally {
    generator.stop();
  }
  await started;
  const { profile: cpuProfile } = await inspector.send<{ profile: CpuProfile }>("Profiler.stop");
  inspector.close();
  printRun(`/${page} (member)`, measured);
  const file = path.join(PROFILE_DIR, `${page}.cpuprofile`);
  writeFileSync(file, JSON.stringify(cpuProfile));
  const summary = summarizeProfile(cpuProfile, measured.requests);
  console.log(
    `\nprofile of /${page}: ${summary.busy.toFixed(2)} ms on the main thread per request (${file})`,
  );
  console.log("\nper request, with a package anywhere on the stack:");
  for (const { name, ms } of summary.inclusiveByPackage.slice(0, 20))
    console.log(`  ${ms.toFixed(3).padStart(7)} ms  ${name}`);
  console.log("\nper request, self time by function:");
  for (const { name, ms } of summary.selfByFunction.slice(0, 30))
    console.log(`  ${ms.toFixed(3).padStart(7)} ms  ${name}`);
}

ensureProductionBuild();
const stack = await startBenchDatabase(".data/bench-html");
let server: ChildProcess | undefined;
try {
  await seedDemoData();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const profiled = options.profile as Page | undefined;
  if (profiled && profiled !== "help" && profiled !== "todos")
    throw new Error("--profile takes help or todos");
  const inspectorPort = await freePort();
  if (profiled) mkdirSync(PROFILE_DIR, { recursive: true });
  server = startServer(port, profiled ? [`--inspect=127.0.0.1:${inspectorPort}`] : []);
  await waitHealthy(origin, server);
  const cookies = new Map<Role, string>();
  for (const { role, userId } of ROLES) cookies.set(role, await signIn(origin, userId));
  console.log(
    `${profiled ? 1 : ROUNDS} round(s); each run ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s at concurrency ${CONCURRENCY} (keep-alive)`,
  );
  const profiledAs = cookies.get(options.as as Role);
  if (profiled && !profiledAs)
    throw new Error(`--as takes ${ROLES.map(({ role }) => role).join(", ")}`);
  if (profiled) await profile(origin, server, inspectorPort, profiled, profiledAs!);
  else await benchmark(origin, server, cookies);
} finally {
  if (server) await stopServer(server, 2_000);
  await stack.stop();
}
