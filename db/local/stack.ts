import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { LOGIN_ROLES } from "../../roles/roles";
import { createPool } from "../driver";
import { isAlive, LocalPostgres, runningServerPid } from "./postgres";
import { startWsProxy, type WsProxy } from "./ws-proxy";

/**
 * The embedded default: a real Postgres under `.data/<profile>/`, the
 * WebSocket proxy in front of it, and the connection strings for the owner
 * and every login role. Passwords are made on first run and kept
 * beside the data, so nobody types them.
 */

export const DATABASE_NAME = "warden";
const OWNER = "postgres";

interface Secrets {
  ownerPassword: string;
  /** By login role name. */
  rolePasswords: Record<string, string>;
}

interface StackState {
  pgPort: number;
  ownerPid: number;
  /** Guards against a recycled pid passing for a live owner. */
  ownerStart: string | null;
}

/** A process's start time in clock ticks since boot (Linux), or null elsewhere. */
function processStart(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

export interface LocalStack {
  env: Record<string, string>;
  /** Stops what this process started; a server another live process owns is left running. */
  stop(): Promise<void>;
}

const secret = () => randomBytes(24).toString("base64url");

/** The stored passwords, with one made for any login role added since they were written. */
async function loadSecrets(dir: string): Promise<Secrets> {
  const file = path.join(dir, "secrets.json");
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Secrets) : null;
  const secrets: Secrets = stored ?? { ownerPassword: secret(), rolePasswords: {} };
  const missing = LOGIN_ROLES.filter(({ role }) => !secrets.rolePasswords[role]);
  for (const { role } of missing) secrets.rolePasswords[role] = secret();
  if (!stored || missing.length > 0)
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function readState(dir: string): StackState | null {
  const file = path.join(dir, "stack.json");
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StackState;
  } catch {
    return null;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function freePort(preferred?: number): Promise<number> {
  if (preferred && (await portIsFree(preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function localUrl(user: string, password: string, port: number, database = DATABASE_NAME) {
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function ensureDatabase(maintenanceUrl: string) {
  const pool = createPool(maintenanceUrl, { max: 1 });
  try {
    const { rowCount } = await pool.query("select 1 from pg_database where datname = $1", [
      DATABASE_NAME,
    ]);
    if (!rowCount) await pool.query(`create database ${DATABASE_NAME}`);
  } finally {
    await pool.end();
  }
}

export async function startLocalStack(options: {
  dataDir: string;
  log?: (line: string) => void;
}): Promise<LocalStack> {
  const dataDir = path.resolve(options.dataDir);
  const log = options.log ?? ((line: string) => console.log(`[local-db] ${line}`));
  await mkdir(dataDir, { recursive: true });
  const secrets = await loadSecrets(dataDir);
  const pgDir = path.join(dataDir, "pg");
  const state = readState(dataDir);

  const ownerAlive =
    state !== null &&
    state.ownerPid !== process.pid &&
    isAlive(state.ownerPid) &&
    processStart(state.ownerPid) === state.ownerStart;
  const attach = runningServerPid(pgDir) !== null && ownerAlive;
  const server = (port: number) =>
    new LocalPostgres({
      dataDir: pgDir,
      port,
      superuser: OWNER,
      password: secrets.ownerPassword,
      log,
    });

  let port: number;
  let owned: LocalPostgres | null = null;
  if (attach) {
    port = state!.pgPort;
  } else {
    await server(0).stopStale();
    port = await freePort(state?.pgPort);
    owned = server(port);
    await owned.start();
    const next: StackState = {
      pgPort: port,
      ownerPid: process.pid,
      ownerStart: processStart(process.pid),
    };
    await writeFile(path.join(dataDir, "stack.json"), JSON.stringify(next));
  }

  let proxy: WsProxy | undefined;
  try {
    proxy = await startWsProxy({ host: "127.0.0.1", port });
    process.env.WARDEN_LOCAL_WS_PROXY = proxy.address;
    await ensureDatabase(localUrl(OWNER, secrets.ownerPassword, port, "postgres"));
  } catch (error) {
    await proxy?.close();
    await owned?.stop();
    throw error;
  }
  const openProxy = proxy;

  const env: Record<string, string> = {
    WARDEN_LOCAL_WS_PROXY: openProxy.address,
    DATABASE_URL: localUrl(OWNER, secrets.ownerPassword, port),
  };
  for (const { role, urlEnv } of LOGIN_ROLES)
    env[urlEnv] = localUrl(role, secrets.rolePasswords[role], port);

  return {
    env,
    async stop() {
      await openProxy.close();
      await owned?.stop();
    },
  };
}
