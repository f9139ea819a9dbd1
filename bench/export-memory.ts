/**
 * The server's memory while it streams an export, over HTTP against the
 * production build in a process of its own. 100,000 todos in one
 * organization (made once, tasks of about 380 characters: some 44 MB of CSV,
 * far more than the sockets between server and client buffer). Each
 * measurement starts a fresh server (a process keeps the heap an earlier
 * measurement grew), warms it up with page loads and a small export, then
 * takes its peak RSS (VmHWM, reset first through /proc/<pid>/clear_refs)
 * over one of: five /todos page loads (the baseline), an admin's 1,000-row
 * export, the 100,000-row export read as fast as it comes, and the same
 * export through a deliberately slow reader (a pause after every read).
 *
 * RSS also holds the garbage V8 has not collected yet, which grows with the
 * rate of allocation, so backpressure is shown without that noise too, from
 * the database's side (pg_stat_statements, polled): when the server finished
 * reading the export, as a share of the slow download's time (a server that
 * buffered it would finish long before its client), and how many rows it
 * still read after a slow client went away mid-export.
 *
 *   npm run bench:export-memory           (data in .data/bench-export; made once, reused)
 *   BENCH_ROUNDS=5 npm run bench:export-memory
 */
import http from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { DEMO_ORG_ID } from "../db/demo-identities";
import { createPool } from "../db/driver";
import { freePort } from "../db/local/stack";
import { seedDemoData } from "../db/seed";
import {
  ensureProductionBuild,
  signIn,
  sleep,
  startServer,
  stopServer,
  waitHealthy,
} from "./app-process";
import { startBenchDatabase } from "./embedded";
import { report, summarize, type BenchRow } from "./report";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BIG = 100_000;
const SMALL = 1_000;
/** The old generation's limit for the capped run: about twice the live heap of an idle server (31 MB). */
const CAPPED_HEAP_MB = 64;
// The small export is one owner's todos (and the demo seed's); the big one is the whole organization.
const SMALL_OWNER = "user_bob";
const BIG_OWNERS = ["user_alice", "user_maya", "user_adam"];
// The slow reader pauses this long after every read from the socket (at most 64 KB): well below what the server produces.
const SLOW_PAUSE_MS = 20;
const MB = 1024 * 1024;
if (ROUNDS < 3) throw new Error("BENCH_ROUNDS must be at least 3");

ensureProductionBuild();
const stack = await startBenchDatabase(".data/bench-export");
const owner = createPool(process.env.DATABASE_URL!, { max: 1 });

async function seed() {
  await owner.query("create extension if not exists pg_stat_statements");
  await seedDemoData();
  const { rows } = await owner.query<{ n: string }>(
    "select count(*) as n from todos where task like 'Export bench %'",
  );
  if (Number(rows[0].n) === BIG) return;
  console.log(`seeding ${BIG.toLocaleString("en-US")} todos in ${DEMO_ORG_ID} (once)…`);
  const started = performance.now();
  await owner.query("delete from todos where task like 'Export bench %'");
  await owner.query(
    `insert into todos (tenant_id, user_id, task, is_complete, inserted_at)
     select $1, case when g <= $3 then $4 else ($5::text[])[1 + g % 3] end,
            'Export bench ' || g || ': ' || repeat('something to do, ', 20 + g % 5), g % 3 = 0, timestamptz '2026-01-01' + g * interval '1 second'
     from generate_series(1, $2) g`,
    [DEMO_ORG_ID, BIG, SMALL, SMALL_OWNER, BIG_OWNERS],
  );
  await owner.query(
    `insert into todo_reviews (tenant_id, todo_id, reviewer_id, verdict, note, created_at)
     select tenant_id, id, 'user_maya', case when id % 20 = 0 then 'flagged' else 'approved' end::review_verdict,
            case when id % 20 = 0 then 'Needs a "clearer" owner, please' end, inserted_at + interval '1 hour'
     from todos where task like 'Export bench %' and id % 10 = 0 and user_id <> 'user_maya'`,
  );
  for (const table of ["todos", "todo_reviews"]) await owner.query(`vacuum analyze ${table}`);
  console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await seed();
const countTodos = async (userId: string | null) =>
  Number(
    (
      await owner.query<{ n: string }>(
        "select count(*) as n from todos where tenant_id = $1 and ($2::text is null or user_id = $2)",
        [DEMO_ORG_ID, userId],
      )
    ).rows[0].n,
  );
const expectedRows = { big: await countTodos(null), small: await countTodos(SMALL_OWNER) };
const BIG_PATH = "/todos/export.csv";
const SMALL_PATH = `/todos/export.csv?owner=${SMALL_OWNER}`;

/** Rows the admin role has read from todos since the last reset: the export's chunks (each one row more than it sends). */
const rowsReadByServer = async () =>
  Number(
    (
      await owner.query<{ n: string }>(
        "select coalesce(sum(rows), 0) as n from pg_stat_statements where userid = 'admin_backend'::regrole and query like '%from todos t%' and query like '%limit%'",
      )
    ).rows[0].n,
  );

interface Download {
  rows: number;
  bytes: number;
  seconds: number;
  peak: number;
  /** The server's RSS as the download passed a quarter of its rows, and at its end: flat memory keeps them level. */
  rssAtQuarter: number;
  rssAtEnd: number;
}

class Server {
  private constructor(
    private readonly process: ChildProcess,
    readonly origin: string,
    readonly cookie: string,
  ) {}

  /** A fresh production server, warmed up: page loads, and an export so its code is compiled. */
  static async start(nodeOptions: string[] = []): Promise<Server> {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const child = startServer(port, nodeOptions);
    await waitHealthy(origin, child);
    const server = new Server(child, origin, await signIn(origin, "user_adam"));
    for (let call = 0; call < 10; call++) await server.pageLoad();
    await server.download(SMALL_PATH, expectedRows.small);
    return server;
  }

  private status(field: "VmHWM" | "VmRSS") {
    return (
      Number(
        new RegExp(`${field}:\\s+(\\d+) kB`).exec(
          readFileSync(`/proc/${this.process.pid}/status`, "utf8"),
        )![1],
      ) * 1024
    );
  }

  /** From now on, VmHWM is the peak since this call. */
  resetPeak() {
    writeFileSync(`/proc/${this.process.pid}/clear_refs`, "5");
  }

  peak() {
    return this.status("VmHWM");
  }

  rss() {
    return this.status("VmRSS");
  }

  async pageLoad() {
    const response = await fetch(`${this.origin}/todos`, { headers: { Cookie: this.cookie } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`/todos answered ${response.status}`);
  }

  /** Downloads an export (slowly if asked), checks its row count, and returns the server's peak RSS over it. */
  download(path: string, expected: number, slow = false): Promise<Download> {
    this.resetPeak();
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.get(
        `${this.origin}${path}`,
        { headers: { Cookie: this.cookie } },
        (response) => {
          if (response.statusCode !== 200)
            return reject(new Error(`${path} answered ${response.statusCode}`));
          let lines = -1;
          let bytes = 0;
          let rssAtQuarter = 0;
          response.on("data", (chunk: Buffer) => {
            bytes += chunk.length;
            for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
            if (!rssAtQuarter && lines >= expected / 4) rssAtQuarter = this.rss();
            if (!slow) return;
            response.pause();
            setTimeout(() => response.resume(), SLOW_PAUSE_MS);
          });
          response.on("end", () => {
            if (lines !== expected)
              return reject(new Error(`${path} gave ${lines} rows, not ${expected}`));
            resolve({
              rows: lines,
              bytes,
              seconds: (performance.now() - started) / 1000,
              peak: this.peak(),
              rssAtQuarter,
              rssAtEnd: this.rss(),
            });
          });
          response.on("error", reject);
        },
      );
      request.on("error", reject);
    });
  }

  /** Starts a slow download and goes away after `ms`, mid-export. */
  async abandon(path: string, ms: number) {
    const request = http.get(
      `${this.origin}${path}`,
      { headers: { Cookie: this.cookie } },
      (response) => {
        response.on("data", () => {
          response.pause();
          setTimeout(() => response.resume(), SLOW_PAUSE_MS);
        });
      },
    );
    request.on("error", () => {});
    await sleep(ms);
    request.destroy();
  }

  stop() {
    return stopServer(this.process, 2_000);
  }
}

/** Runs one measurement on a fresh server. */
async function measure<T>(
  work: (server: Server) => Promise<T>,
  nodeOptions: string[] = [],
): Promise<T> {
  const server = await Server.start(nodeOptions);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

/** The slow download, and when the server finished reading the database, as a share of the download's time. */
async function slowDownload(server: Server) {
  await owner.query("select pg_stat_statements_reset()");
  const started = performance.now();
  let readAllAt: number | null = null;
  let finished = false;
  const download = server
    .download(BIG_PATH, expectedRows.big, true)
    .finally(() => (finished = true));
  while (!finished && readAllAt === null) {
    await sleep(100);
    if ((await rowsReadByServer()) >= expectedRows.big) readAllAt = performance.now();
  }
  const result = await download;
  readAllAt ??= performance.now();
  return { ...result, readAllShare: (readAllAt - started) / 1000 / result.seconds };
}

/** Rows the server read from the database after a slow client went away mid-export: a chunk already asked for, at most. */
async function abandonedDownload(server: Server) {
  await owner.query("select pg_stat_statements_reset()");
  await server.abandon(BIG_PATH, 1_000);
  const whenGone = await rowsReadByServer();
  await sleep(2_000);
  return (await rowsReadByServer()) - whenGone;
}

try {
  const rounds: {
    baseline: number;
    small: Download;
    big: Download;
    capped: Download;
    slow: Download & { readAllShare: number };
    afterGone: number;
  }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const baseline = await measure(async (server) => {
      server.resetPeak();
      for (let call = 0; call < 5; call++) await server.pageLoad();
      return server.peak();
    });
    const small = await measure((server) => server.download(SMALL_PATH, expectedRows.small));
    const big = await measure((server) => server.download(BIG_PATH, expectedRows.big));
    // Rows held anywhere would exhaust a heap this small; garbage is only collected sooner.
    const capped = await measure(
      (server) => server.download(BIG_PATH, expectedRows.big),
      [`--max-old-space-size=${CAPPED_HEAP_MB}`],
    );
    const { slow, afterGone } = await measure(async (server) => ({
      slow: await slowDownload(server),
      afterGone: await abandonedDownload(server),
    }));
    rounds.push({ baseline, small, big, capped, slow, afterGone });
    const rss = (value: number) => `${(value / MB).toFixed(1)} MB`;
    console.log(
      `round ${round + 1}: baseline ${rss(baseline)}; ${small.rows.toLocaleString("en-US")} rows ${rss(small.peak)}; ` +
        `${big.rows.toLocaleString("en-US")} rows (${rss(big.bytes)} of CSV) ${rss(big.peak)} in ${big.seconds.toFixed(2)} s; ` +
        `slow reader ${rss(slow.peak)} in ${slow.seconds.toFixed(1)} s, the database read to the end at ${(slow.readAllShare * 100).toFixed(0)}% of it; ` +
        `${afterGone.toLocaleString("en-US")} rows read after a client went away`,
    );
  }
  const big = BIG.toLocaleString("en-US");
  const rows: BenchRow[] = [
    {
      name: "server peak RSS, baseline (5 × /todos after warm-up)",
      samples: rounds.map((r) => r.baseline / MB),
      unit: "MB",
    },
    {
      name: `server peak RSS, ${SMALL.toLocaleString("en-US")}-row CSV export`,
      samples: rounds.map((r) => r.small.peak / MB),
      unit: "MB",
    },
    {
      name: `server peak RSS, ${big}-row CSV export`,
      samples: rounds.map((r) => r.big.peak / MB),
      unit: "MB",
    },
    {
      name: `memory the ${big}-row export adds to the baseline`,
      samples: rounds.map((r) => (r.big.peak - r.baseline) / MB),
      unit: "MB",
    },
    {
      name: `server peak RSS, ${big} rows to a slow reader`,
      samples: rounds.map((r) => r.slow.peak / MB),
      unit: "MB",
    },
    {
      name: `${big}-row export, read as fast as it comes`,
      samples: rounds.map((r) => r.big.rows / r.big.seconds),
      unit: "rows/s",
    },
    // No target on memory: the rise is garbage V8 lets pile up before a full collection (a heap snapshot mid-export finds the live heap of an idle server), not rows held.
    {
      name: `peak RSS, ${big}-row / ${SMALL.toLocaleString("en-US")}-row export`,
      samples: rounds.map((r) => r.big.peak / r.small.peak),
      unit: "×",
    },
    {
      name: `server RSS at the end / at a quarter of the ${big}-row export`,
      samples: rounds.map((r) => r.big.rssAtEnd / r.big.rssAtQuarter),
      unit: "×",
    },
    {
      name: `server peak RSS, ${big}-row export, heap capped at ${CAPPED_HEAP_MB} MB`,
      samples: rounds.map((r) => r.capped.peak / MB),
      unit: "MB",
    },
    {
      name: "peak RSS, slow reader / fast reader",
      samples: rounds.map((r) => r.slow.peak / r.big.peak),
      unit: "×",
    },
    {
      name: "slow reader: database read to the end / download done (time)",
      samples: rounds.map((r) => r.slow.readAllShare),
      unit: "×",
      target: { op: "≥", value: 0.8 },
    },
    {
      name: "rows read after a client went away mid-export",
      samples: rounds.map((r) => r.afterGone),
      unit: "rows",
      target: { op: "≤", value: 2 * 1_001 },
    },
  ];
  console.log(
    `slow reader: ${summarize(rounds.map((r) => r.slow.seconds)).median.toFixed(1)} s median per export`,
  );
  report(rows);
} finally {
  await owner.end();
  await stack.stop();
}
