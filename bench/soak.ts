/**
 * Soak: the production build under concurrent sessions of every demo
 * identity, in every organization and personal workspace, sending reads and
 * writes (attacks on other tenants' ids among them) for a while, with every
 * answer held to the permission model (db/model/permissions.ts). Reports
 * throughput, errors, leaked rows, latency and the server's memory.
 *
 *   npm run bench:soak [-- --seconds 60 --concurrency 50 --port 3330]
 *   npm run bench:soak -- --seconds 10 --sabotage   (widens the members' SELECT policy first: the leak count must go up)
 *
 * It serves on an embedded Postgres of its own (.data/soak, made fresh and
 * deleted afterwards) and exits non-zero on any error or leak.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Pool } from "@neondatabase/serverless";
import { createPool } from "../db/driver";
import { localUrl } from "../db/local/stack";
import { startWsProxy, type WsProxy } from "../db/local/ws-proxy";
import { changesTodo, seesTodo, type Caller } from "../db/model/permissions";
import { DEMO_IDENTITIES } from "../db/demo-identities";
import { capabilitiesOf } from "../roles/capabilities";
import {
  dataPath,
  demoWorkspaces,
  HttpClient,
  type Answer,
  type AuditData,
  type ListedTodo,
  type QueueData,
  routeData,
  type TodosData,
  type Workspace,
} from "../e2e/http-client";

const { values: options } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    concurrency: { type: "string", default: "50" },
    port: { type: "string", default: "3330" },
    sabotage: { type: "boolean", default: false },
  },
});
const SECONDS = Number(options.seconds);
const CONCURRENCY = Number(options.concurrency);
const PORT = Number(options.port);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const DATA_DIR = path.resolve(".data/soak");
const SERVER_LOG = path.resolve(".data/soak-server.log");
const WORKSPACES = demoWorkspaces();
const USERS = [...DEMO_IDENTITIES.map((identity) => identity.userId), "user_nobody"];

const configured = Object.keys(process.env).filter((name) => name.startsWith("DATABASE_"));
if (configured.length > 0)
  throw new Error(
    `The soak writes to its database; unset ${configured.join(", ")} to run it on the embedded default.`,
  );

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const chance = (p: number) => Math.random() < p;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// The server: the production build on a fresh embedded Postgres, as the browser tests serve it.
// ---------------------------------------------------------------------------

/** `npm run dev` leaves a development build in build/, which the production server cannot render with. */
function ensureProductionBuild() {
  const build = path.resolve("build/index.js");
  if (existsSync(build) && /\bmode = "production"/.test(readFileSync(build, "utf8"))) return;
  console.log("building the production bundle (npx remix build)…");
  const result = spawnSync("npx", ["remix", "build"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error("npx remix build failed");
}

function startServer(): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(PORT), WARDEN_DATA_DIR: DATA_DIR };
  delete env.CLERK_PUBLISHABLE_KEY;
  delete env.CLERK_SECRET_KEY;
  // e2e/serve.ts wipes the data directory, then runs `npm start`'s script in-process: Postgres, proxy, migrations, seed, then the app server as its child.
  mkdirSync(path.dirname(SERVER_LOG), { recursive: true });
  const child = spawn(process.execPath, ["--import", "tsx", "e2e/serve.ts"], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.pipe(createWriteStream(SERVER_LOG));
  return child;
}

async function waitHealthy(child: ChildProcess) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(
        `the server exited (${child.exitCode}) before it was healthy; see ${SERVER_LOG}`,
      );
    try {
      if ((await fetch(`${ORIGIN}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`no healthy server at ${ORIGIN} within 120 s; see ${SERVER_LOG}`);
}

async function stopServer(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  // The wrapper stops the app server, then Postgres and the proxy.
  child.kill("SIGTERM");
  const killed = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(killed);
}

/** The app server is the wrapper's child running scripts/app-server.ts (Postgres processes are its children too). */
function appServerPid(parent: number): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (
        ppid === parent &&
        readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("scripts/app-server.ts")
      )
        return Number(entry);
    } catch {
      // Gone while we looked.
    }
  }
  throw new Error(`no app server process under pid ${parent}`);
}

/** Resident memory now and at its peak, in MB, and CPU time so far, in seconds. */
function usage(pid: number): { rss: number; peak: number; cpu: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  const stat = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
  // utime and stime, in clock ticks (100 a second on Linux).
  return {
    rss: kb("VmRSS") / 1024,
    peak: kb("VmHWM") / 1024,
    cpu: (Number(stat[11]) + Number(stat[12])) / 100,
  };
}

/** The owner's connection to the soak's database, through a proxy of our own (as e2e/owner-db.ts reaches the e2e server's). */
async function ownerPool(): Promise<{ pool: Pool; proxy: WsProxy }> {
  const { pgPort } = JSON.parse(readFileSync(path.join(DATA_DIR, "stack.json"), "utf8")) as {
    pgPort: number;
  };
  const { ownerPassword } = JSON.parse(
    readFileSync(path.join(DATA_DIR, "secrets.json"), "utf8"),
  ) as { ownerPassword: string };
  const proxy = await startWsProxy({ host: "127.0.0.1", port: pgPort });
  process.env.WARDEN_LOCAL_WS_PROXY = proxy.address;
  return { pool: createPool(localUrl("postgres", ownerPassword, pgPort), { max: 4 }), proxy };
}

// ---------------------------------------------------------------------------
// The truth, cached where that is sound.
// ---------------------------------------------------------------------------

interface TodoTruth {
  tenant: string;
  /** Every owner the row has had: it changes owner only by reassign, and the audit log keeps each. */
  owners: Set<string>;
}

/**
 * What the owner's view says about rows the app showed. A todo's tenant never
 * changes (a trigger refuses it) and an audit entry never changes at all, so
 * both are cached for good. A todo's owners are a set that only grows: an
 * answer naming an owner not in it sends us back to the database. Deleted
 * rows are answered from the audit log, which keeps every insert, update and
 * delete with its row images.
 */
class Truths {
  private readonly todos = new Map<number, TodoTruth>();
  private readonly auditTenants = new Map<number, string | null>();

  constructor(private readonly pool: Pool) {}

  /** The live rows by tenant, for choosing targets; what it reads is true, so it is cached too. */
  async liveRows(): Promise<{ all: number[]; byTenant: Map<string, number[]> }> {
    const { rows } = await this.pool.query<{ id: string; tenant_id: string; user_id: string }>(
      "select id, tenant_id, user_id from todos",
    );
    const byTenant = new Map<string, number[]>();
    for (const row of rows) {
      this.learn(Number(row.id), row.tenant_id, row.user_id);
      const ids = byTenant.get(row.tenant_id) ?? [];
      ids.push(Number(row.id));
      byTenant.set(row.tenant_id, ids);
    }
    return { all: rows.map((row) => Number(row.id)), byTenant };
  }

  /** The truth of these rows, read again for any not known, shown with an owner not yet known, or all of them when `reread`. */
  async todosFor(
    shown: readonly { id: number; owner?: string }[],
    reread = false,
  ): Promise<Map<number, TodoTruth>> {
    const known = (id: number, owner?: string) =>
      this.todos.has(id) && (owner === undefined || this.todos.get(id)!.owners.has(owner));
    const stale = shown.filter(({ id, owner }) => reread || !known(id, owner)).map(({ id }) => id);
    if (stale.length > 0) {
      const { rows } = await this.pool.query<{
        id: string;
        tenant_id: string;
        owner: string | null;
      }>(
        `select row_id as id, tenant_id, owner from audit.audit_log, lateral (values (after->>'user_id'), (before->>'user_id')) images(owner)
           where table_name = 'todos' and row_id = any($1::bigint[])
         union all
         select id, tenant_id, user_id from todos where id = any($1::bigint[])`,
        [stale],
      );
      for (const row of rows) this.learn(Number(row.id), row.tenant_id, row.owner);
    }
    return new Map(
      shown.flatMap(({ id }) => (this.todos.has(id) ? [[id, this.todos.get(id)!] as const] : [])),
    );
  }

  async auditTenantsFor(ids: readonly number[]): Promise<Map<number, string | null>> {
    const unknown = ids.filter((id) => !this.auditTenants.has(id));
    if (unknown.length > 0) {
      const { rows } = await this.pool.query<{ id: string; tenant_id: string | null }>(
        "select id, tenant_id from audit.audit_log where id = any($1::bigint[])",
        [unknown],
      );
      for (const row of rows) this.auditTenants.set(Number(row.id), row.tenant_id);
    }
    return this.auditTenants;
  }

  private learn(id: number, tenant: string | null, owner: string | null) {
    if (tenant === null) return;
    const truth = this.todos.get(id) ?? { tenant, owners: new Set<string>() };
    if (truth.tenant !== tenant)
      note(
        tally.forbidden,
        "moved todo",
        `todo ${id} moved from ${truth.tenant} to ${tenant}: tenants never change`,
      );
    if (owner !== null) truth.owners.add(owner);
    this.todos.set(id, truth);
  }
}

/** The audit log's SELECT policy in the model's terms: admins read their organization's entries, nobody else any (as e2e/model-http.spec.ts). */
const seesAuditEntry = (caller: Caller, tenant: string | null) =>
  caller.role === "admin_backend" && seesTodo(caller, { tenant, owner: null });

// ---------------------------------------------------------------------------
// The tally.
// ---------------------------------------------------------------------------

const tally = {
  requests: 0,
  byStatus: new Map<string, number>(),
  byOperation: new Map<string, { statuses: Map<number, number>; latencies: number[] }>(),
  latencies: [] as number[],
  errors: new Map<string, { count: number; example: string }>(),
  /** Rows shown that the model hides. */
  leaks: new Map<string, { count: number; example: string }>(),
  /** Writes that happened although the model forbids them. */
  forbidden: new Map<string, { count: number; example: string }>(),
  checked: { todos: 0, audit: 0, members: 0, writes: 0 },
};

function note(
  into: Map<string, { count: number; example: string }>,
  kind: string,
  example: string,
) {
  const entry = into.get(kind) ?? { count: 0, example };
  entry.count += 1;
  into.set(kind, entry);
}

/** The statuses each operation may answer; anything else is an error. */
type Expected = readonly number[];

/** One timed request: its status is tallied, a 5xx, a network error or an unexpected status is an error. */
async function send(
  operation: string,
  expected: Expected,
  request: () => Promise<Answer>,
): Promise<Answer | null> {
  const started = performance.now();
  let answer: Answer;
  try {
    answer = await request();
  } catch (error) {
    tally.requests += 1;
    note(tally.errors, "network error", `${operation}: ${String(error)}`);
    tally.byStatus.set("network", (tally.byStatus.get("network") ?? 0) + 1);
    return null;
  }
  const elapsed = performance.now() - started;
  tally.requests += 1;
  tally.latencies.push(elapsed);
  const klass = `${Math.floor(answer.status / 100)}xx`;
  tally.byStatus.set(klass, (tally.byStatus.get(klass) ?? 0) + 1);
  const stats = tally.byOperation.get(operation) ?? {
    statuses: new Map<number, number>(),
    latencies: [] as number[],
  };
  stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
  stats.latencies.push(elapsed);
  tally.byOperation.set(operation, stats);
  if (answer.status >= 500)
    note(tally.errors, `${operation} ${answer.status}`, answer.text.slice(0, 300));
  else if (!expected.includes(answer.status))
    note(tally.errors, `${operation}: unexpected ${answer.status}`, answer.text.slice(0, 300));
  return answer;
}

// ---------------------------------------------------------------------------
// The workers.
// ---------------------------------------------------------------------------

/** Live memberships of the directory, as `org user`: whom the owner filter may offer. */
const directory = new Set<string>();

/** Shared by every worker: targets of every tenant, and cursors made from rows of any of them. */
const targets = {
  all: [] as number[],
  byTenant: new Map<string, number[]>(),
  cursors: [] as string[],
  maxAuditId: 0,
};

const remember = (rows: readonly ListedTodo[]) => {
  for (const row of rows)
    if (chance(0.05))
      targets.cursors[Math.floor(Math.random() * 200)] = Buffer.from(
        `${row.insertedAt}|${row.id}`,
      ).toString("base64url");
};

class Worker {
  private client = new HttpClient(ORIGIN);
  private workspace = pick(WORKSPACES);
  private lastList: TodosData["links"] | null = null;
  private lastAudit: AuditData["links"] | null = null;
  private created = 0;

  constructor(
    private readonly index: number,
    private readonly truths: Truths,
  ) {}

  private get caller(): Caller {
    return this.workspace.caller;
  }

  /** A fresh session: sign in, then switch to the workspace. */
  async start(): Promise<boolean> {
    const signIn = await send("sign-in", [302], () =>
      this.client.post("/sign-in", { identity: this.workspace.identity.userId }),
    );
    return signIn?.status === 302 && (await this.switchTo(this.workspace));
  }

  private async switchTo(workspace: Workspace): Promise<boolean> {
    const answer = await send("switch", [303], () =>
      this.client.post("/switch", {
        identity: workspace.identity.userId,
        org: workspace.org ?? "",
        returnTo: "/todos",
      }),
    );
    if (answer?.status !== 303) return false;
    this.workspace = workspace;
    this.lastList = null;
    this.lastAudit = null;
    return true;
  }

  /** Any tenant's todo, one of the caller's own tenant (where writes may land), or one that does not exist. */
  private targetId(): number {
    const own = targets.byTenant.get(this.caller.tenant ?? "") ?? [];
    if (own.length > 0 && chance(0.5)) return pick(own);
    if (targets.all.length > 0 && chance(0.9)) return pick(targets.all);
    return 1_000_000 + Math.floor(Math.random() * 1000);
  }

  async step() {
    const roll = Math.random() * 100;
    if (roll < 30) return this.list();
    if (roll < 38) return this.queue();
    if (roll < 46) return this.audit();
    if (roll < 58) return this.create();
    if (roll < 80) return this.changeOne(pick(["toggle", "toggle", "update", "delete"] as const));
    if (roll < 89) return this.review();
    if (roll < 97) return this.bulk();
    const workspace = pick(WORKSPACES);
    if (!(await this.switchTo(workspace))) await this.start();
  }

  private async list() {
    let search: URLSearchParams;
    if (this.lastList && chance(0.4)) {
      search = new URLSearchParams(
        (chance(0.7) ? this.lastList.next : this.lastList.previous) ?? this.lastList.first,
      );
    } else {
      search = new URLSearchParams();
      if (chance(0.2)) search.set("owner", pick(USERS));
      if (chance(0.3)) search.set("status", pick(["open", "complete"]));
      if (chance(0.2)) search.set("verdict", pick(["unreviewed", "approved", "flagged"]));
      if (chance(0.2))
        search.set("q", pick(["soak", "the", "Globex", `soak-${this.index}-`, "%", "_"]));
      if (chance(0.3)) search.set("sort", "oldest");
      const forged = targets.cursors.filter(Boolean);
      if (forged.length > 0 && chance(0.3)) search.set(pick(["after", "before"]), pick(forged));
    }
    const answer = await send("list", [200], () =>
      this.client.get(dataPath(`/todos?${search}`, "routes/todos")),
    );
    if (answer?.status !== 200) return;
    const data = await routeData<TodosData>(answer, "routes/todos");
    this.lastList = data.links;
    remember(data.todos);
    await this.checkTodos("list", data.todos);
    if (data.databaseRole !== this.caller.role || data.userId !== this.caller.uid)
      note(
        tally.errors,
        "list: wrong identity",
        `${this.workspace.label} answered as ${data.userId}/${data.databaseRole}`,
      );
    // Whom the owner filter offers: members of the active organization, to moderators and admins only.
    tally.checked.members += data.members.length;
    for (const member of data.members) {
      if (
        !capabilitiesOf(this.caller.role).browseAll ||
        !directory.has(`${this.caller.org} ${member.id}`)
      )
        note(tally.leaks, "member", `${this.workspace.label} offered ${member.id}`);
    }
  }

  private async queue() {
    const mayReview = capabilitiesOf(this.caller.role).review;
    const answer = await send("review page", [mayReview ? 200 : 403], () =>
      this.client.get(dataPath("/review", "routes/review")),
    );
    if (answer?.status !== 200) return;
    const data = await routeData<QueueData>(answer, "routes/review");
    await this.checkTodos("review page", [...data.unreviewed, ...data.flagged]);
  }

  private async audit() {
    const params: Record<string, string> = {};
    const link = this.lastAudit && chance(0.4) ? this.lastAudit.next : null;
    if (link) Object.assign(params, Object.fromEntries(new URLSearchParams(link)));
    else {
      if (chance(0.2)) params.actor = pick(USERS);
      if (chance(0.2)) params.action = pick(["insert", "update", "delete"]);
      if (chance(0.2)) params.todo = String(this.targetId());
      if (chance(0.3) && targets.maxAuditId > 0)
        params[pick(["after", "before"])] = String(
          1 + Math.floor(Math.random() * targets.maxAuditId),
        );
    }
    const readsAudit = capabilitiesOf(this.caller.role).readAudit;
    const answer = await send("audit page", [readsAudit ? 200 : 403], () =>
      this.client.get(dataPath(`/audit?${new URLSearchParams(params)}`, "routes/audit")),
    );
    if (answer?.status !== 200) return;
    const data = await routeData<AuditData>(answer, "routes/audit");
    this.lastAudit = data.links;
    for (const entry of data.entries) targets.maxAuditId = Math.max(targets.maxAuditId, entry.id);
    const tenants = await this.truths.auditTenantsFor(data.entries.map((entry) => entry.id));
    tally.checked.audit += data.entries.length;
    for (const entry of data.entries) {
      const tenant = tenants.get(entry.id) ?? null;
      const foreignImage = [entry.before, entry.after].some(
        (image) => image && image.tenant_id !== tenant,
      );
      if (!seesAuditEntry(this.caller, tenant) || foreignImage)
        note(
          tally.leaks,
          "audit entry",
          `${this.workspace.label} was shown audit entry ${entry.id} of ${tenant}`,
        );
    }
  }

  /** The leak oracle: each shown row, with the owner it was shown with, must be one the model lets this caller see. */
  private async checkTodos(where: string, rows: readonly ListedTodo[]) {
    if (rows.length === 0) return;
    const truths = await this.truths.todosFor(
      rows.map((row) => ({ id: row.id, owner: row.userId })),
    );
    tally.checked.todos += rows.length;
    for (const row of rows) {
      const truth = truths.get(row.id);
      if (!truth)
        note(
          tally.leaks,
          "todo",
          `${where}: ${this.workspace.label} was shown #${row.id}, which never existed`,
        );
      else if (!truth.owners.has(row.userId))
        note(
          tally.leaks,
          "todo",
          `${where}: ${this.workspace.label} was shown #${row.id} as ${row.userId}'s, who never owned it`,
        );
      else if (!seesTodo(this.caller, { tenant: truth.tenant, owner: row.userId }))
        note(
          tally.leaks,
          "todo",
          `${where}: ${this.workspace.label} was shown #${row.id} (tenant ${truth.tenant}, owner ${row.userId})`,
        );
    }
  }

  private async create() {
    this.created += 1;
    await send("create", [303], () =>
      this.client.post("/todos", {
        intent: "create",
        task: `soak-${this.index}-${this.created} ${pick(["alpha", "the report", "50% done", "a_b"])}`,
      }),
    );
  }

  /** A 303 means the row changed: the model must allow that for some owner the row has had. */
  private async changeOne(intent: "toggle" | "update" | "delete") {
    const id = this.targetId();
    const form = {
      intent,
      id: String(id),
      ...(intent === "update" ? { task: `soak-${this.index} edited` } : {}),
    };
    const answer = await send(intent, [303, 404], () => this.client.post("/todos", form));
    if (answer?.status !== 303) return;
    tally.checked.writes += 1;
    const allowed = (truth: TodoTruth | undefined) =>
      truth !== undefined &&
      [...truth.owners].some((owner) => changesTodo(this.caller, { tenant: truth.tenant, owner }));
    let truth = (await this.truths.todosFor([{ id }])).get(id);
    // A reassign we have not seen yet may be what made it ours.
    if (!allowed(truth)) truth = (await this.truths.todosFor([{ id }], true)).get(id);
    if (!allowed(truth))
      note(
        tally.forbidden,
        "single-row write",
        `${this.workspace.label} ${intent} #${id} answered 303 (tenant ${truth?.tenant}, owners ${[...(truth?.owners ?? [])].join(", ")})`,
      );
  }

  private async review() {
    const expected = capabilitiesOf(this.caller.role).review ? [303, 403, 404] : [403];
    await send("review", expected, () =>
      this.client.post("/review", {
        intent: "review",
        id: String(this.targetId()),
        verdict: pick(["approved", "flagged"]),
        reason: "spam",
        note: pick(["", "ok", "needs work"]),
      }),
    );
  }

  private async bulk() {
    const action = pick(["complete", "reopen", "delete", "reassign"] as const);
    const confirmed = chance(0.7);
    const form: Record<string, string | string[]> = { intent: "bulk", action };
    let path = "/todos/bulk";
    if (chance(0.8))
      form.id = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () =>
        String(this.targetId()),
      );
    else {
      // A small filter: the rows this worker created in this organization.
      form.scope = "filter";
      path = `/todos/bulk?q=soak-${this.index}-`;
    }
    if (action === "reassign") form.owner = pick(USERS);
    if (confirmed) form.confirmed = "yes";
    const asks = (action === "delete" || action === "reassign") && !confirmed;
    const expected = !capabilitiesOf(this.caller.role).bulkEdit
      ? [403]
      : action === "reassign"
        ? [asks ? 200 : 303, 400]
        : [asks ? 200 : 303];
    await send(`bulk ${action}`, expected, () => this.client.post(path, form));
  }
}

// ---------------------------------------------------------------------------
// The audit log after the run: every write, whoever asked, held to the model.
// ---------------------------------------------------------------------------

/**
 * Every entry the run wrote names its actor, the Postgres role and the
 * tenant, with the row before and after. Some session of that actor with
 * that role must have been allowed it by the model: a todo changed only
 * where changesTodo allows, before and after; a verdict recorded only by a
 * moderator or admin of its organization, as themselves; a review deleted
 * only with its todo, in the same transaction; none updated.
 */
async function unauthorizedWrites(
  pool: Pool,
  since: number,
): Promise<{ checked: number; bad: string[] }> {
  const { rows } = await pool.query<{
    id: string;
    tx_id: string;
    actor: string | null;
    db_role: string;
    action: "insert" | "update" | "delete";
    table_name: string;
    tenant_id: string | null;
    before: Record<string, string> | null;
    after: Record<string, string> | null;
  }>(
    "select id, tx_id, actor, db_role, action, table_name, tenant_id, before, after from audit.audit_log where id > $1 order by id",
    [since],
  );
  const deletedTodos = new Set(
    rows
      .filter((row) => row.table_name === "todos" && row.action === "delete")
      .map((row) => `${row.tx_id} ${row.before!.id}`),
  );
  const bad: string[] = [];
  for (const row of rows) {
    const callers = WORKSPACES.map((workspace) => workspace.caller).filter(
      (caller) => caller.uid === row.actor && caller.role === row.db_role,
    );
    const image = (values: Record<string, string> | null) =>
      values && { tenant: values.tenant_id, owner: values.user_id };
    let allowed: boolean;
    if (row.table_name === "todos") {
      const before = image(row.before);
      const after = image(row.after);
      allowed = callers.some(
        (caller) =>
          (!before || changesTodo(caller, before)) && (!after || changesTodo(caller, after)),
      );
    } else if (row.action === "insert") {
      allowed = callers.some(
        (caller) =>
          caller.role !== "authenticated_backend" &&
          caller.org === row.tenant_id &&
          row.after?.reviewer_id === caller.uid,
      );
    } else {
      allowed = row.action === "delete" && deletedTodos.has(`${row.tx_id} ${row.before!.todo_id}`);
    }
    if (!allowed)
      bad.push(
        `audit ${row.id}: ${row.actor} as ${row.db_role} ${row.action} on ${row.table_name} in ${row.tenant_id}`,
      );
  }
  return { checked: rows.length, bad };
}

// ---------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
    : Number.NaN;
const ms = (value: number) => value.toFixed(1);
const mb = (value: number) => `${value.toFixed(1)} MB`;
const thousands = (value: number) => value.toLocaleString("en-US");

ensureProductionBuild();
console.log(
  `starting the production build on ${ORIGIN} (fresh ${path.relative(process.cwd(), DATA_DIR)})…`,
);
const server = startServer();
let exitCode = 1;
try {
  await waitHealthy(server);
  const appPid = appServerPid(server.pid!);
  const { pool, proxy } = await ownerPool();
  try {
    if (options.sabotage) {
      await pool.query(
        `alter policy "crud-authenticated_backend-policy-select" on todos using (true)`,
      );
      console.log(
        "SABOTAGE: members' SELECT policy on todos widened to `using (true)`; leaks are expected.",
      );
    }
    const { rows: members } = await pool.query<{ organization_id: string; user_id: string }>(
      "select m.organization_id, m.user_id from directory.memberships m join directory.users u on u.id = m.user_id where m.deleted_at is null and u.deleted_at is null",
    );
    for (const member of members) directory.add(`${member.organization_id} ${member.user_id}`);
    const [{ max }] = (
      await pool.query<{ max: string | null }>("select max(id) as max from audit.audit_log")
    ).rows;
    const auditBefore = Number(max ?? 0);
    targets.maxAuditId = auditBefore;
    const truths = new Truths(pool);
    Object.assign(targets, await truths.liveRows());

    const workers = Array.from({ length: CONCURRENCY }, (_, index) => new Worker(index, truths));
    await Promise.all(workers.map((worker) => worker.start()));
    const atStart = { app: usage(appPid), wrapper: usage(server.pid!), client: process.cpuUsage() };
    console.log(`${CONCURRENCY} sessions signed in; running for ${SECONDS} s…`);

    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    let running = true;
    const refresher = (async () => {
      while (running) {
        await sleep(1000);
        Object.assign(targets, await truths.liveRows());
      }
    })();
    const requestsBefore = tally.requests;
    await Promise.all(
      workers.map(async (worker) => {
        while (performance.now() < deadline) {
          try {
            await worker.step();
          } catch (error) {
            note(tally.errors, "worker", String(error).slice(0, 300));
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    running = false;
    await refresher;
    const atEnd = {
      app: usage(appPid),
      wrapper: usage(server.pid!),
      client: process.cpuUsage(atStart.client),
    };
    const writes = await unauthorizedWrites(pool, auditBefore);
    for (const example of writes.bad) note(tally.forbidden, "audit-logged write", example);

    const requests = tally.requests - requestsBefore;
    const sorted = [...tally.latencies].sort((a, b) => a - b);
    const total = (tallied: Map<string, { count: number }>) =>
      [...tallied.values()].reduce((sum, entry) => sum + entry.count, 0);
    const errors = total(tally.errors);
    const leaks = total(tally.leaks);
    const forbidden = total(tally.forbidden);
    const classes = ["2xx", "3xx", "4xx", "5xx", "network"]
      .map((klass) => `${klass} ${thousands(tally.byStatus.get(klass) ?? 0)}`)
      .join(" · ");
    console.log("");
    console.log(
      `Warden soak${options.sabotage ? " (SABOTAGED)" : ""}: ${SECONDS} s, ${CONCURRENCY} concurrent sessions, ${WORKSPACES.length} workspaces of ${DEMO_IDENTITIES.length} identities, ${ORIGIN}`,
    );
    console.log(
      `requests          ${thousands(tally.requests)} in all (${thousands(requests)} in ${elapsed.toFixed(1)} s: ${(requests / elapsed).toFixed(1)}/s, after ${thousands(requestsBefore)} to sign in)`,
    );
    console.log(`by status class   ${classes}`);
    console.log("by operation");
    for (const [operation, stats] of [...tally.byOperation].sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      const latencies = [...stats.latencies].sort((a, b) => a - b);
      const statuses = [...stats.statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${thousands(n)}`)
        .join(" ");
      console.log(
        `  ${operation.padEnd(16)}${thousands(latencies.length).padStart(8)}  p50 ${ms(percentile(latencies, 50)).padStart(6)} ms  p99 ${ms(percentile(latencies, 99)).padStart(7)} ms  ${statuses}`,
      );
    }
    console.log(
      `errors            ${thousands(errors)}${errors ? "" : " (no 5xx, no network errors, no unexpected statuses)"}`,
    );
    for (const [kind, { count, example }] of tally.errors)
      console.log(`  ${kind}: ${count}, e.g. ${example.replace(/\s+/g, " ").slice(0, 200)}`);
    console.log(`leaked rows       ${thousands(leaks)}`);
    for (const [kind, { count, example }] of tally.leaks)
      console.log(`  ${kind}: ${thousands(count)}, e.g. ${example}`);
    console.log(`forbidden writes  ${thousands(forbidden)}`);
    for (const [kind, { count, example }] of tally.forbidden)
      console.log(`  ${kind}: ${thousands(count)}, e.g. ${example}`);
    console.log(
      `checked           ${thousands(tally.checked.todos)} todos shown, ${thousands(tally.checked.audit)} audit entries shown, ${thousands(tally.checked.members)} members offered, ${thousands(tally.checked.writes)} single-row writes answered 303, ${thousands(writes.checked)} audit-logged writes`,
    );
    console.log(
      `latency           p50 ${ms(percentile(sorted, 50))} ms · p90 ${ms(percentile(sorted, 90))} ms · p99 ${ms(percentile(sorted, 99))} ms · max ${ms(sorted.at(-1) ?? Number.NaN)} ms`,
    );
    console.log(
      `app server RSS    ${mb(atStart.app.rss)} at start → ${mb(atEnd.app.rss)} at end (peak ${mb(atEnd.app.peak)}; pid ${appPid}, scripts/app-server.ts)`,
    );
    console.log(
      `wrapper RSS       ${mb(atStart.wrapper.rss)} at start → ${mb(atEnd.wrapper.rss)} at end (peak ${mb(atEnd.wrapper.peak)}; pid ${server.pid}, e2e/serve.ts: the WebSocket proxy every query passes)`,
    );
    // The clients, the server and Postgres share this machine: how busy it was says what the throughput means.
    const cpu = (seconds: number) =>
      `${seconds.toFixed(1)} s (${Math.round((100 * seconds) / elapsed)}%)`;
    console.log(
      `CPU during run    app server ${cpu(atEnd.app.cpu - atStart.app.cpu)} · wrapper ${cpu(atEnd.wrapper.cpu - atStart.wrapper.cpu)} · soak client ${cpu((atEnd.client.user + atEnd.client.system) / 1e6)} · ${availableParallelism()} CPUs, load average ${loadavg()[0].toFixed(1)}`,
    );
    exitCode = errors > 0 || leaks > 0 || forbidden > 0 ? 1 : 0;
  } finally {
    await pool.end();
    await proxy.close();
  }
} finally {
  await stopServer(server);
  await rm(DATA_DIR, { recursive: true, force: true });
  console.log(
    `server stopped (exit ${server.exitCode ?? server.signalCode}); ${path.relative(process.cwd(), DATA_DIR)} deleted; server stderr in ${path.relative(process.cwd(), SERVER_LOG)}`,
  );
}
process.exit(exitCode);
