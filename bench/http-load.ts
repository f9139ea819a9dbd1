/**
 * A keep-alive HTTP load generator, run as a child process (`fork`) so its
 * event loop is neither the server's nor the one driving the benchmark's
 * database proxy. It takes one job at a time over IPC: `concurrency`
 * connections, each sending the next GET as soon as the last answer is read
 * in full, for `seconds` after a warm-up that is not recorded. It says
 * when the warm-up ends (`{ mark: true }`), then sends the result.
 */
import { Agent, request } from "node:http";

export interface LoadJob {
  url: string;
  cookie: string;
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
}

export interface LoadResult {
  /** Answered within the measured window. */
  requests: number;
  /** Answers other than 200, and failed requests. */
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** Mean body size in bytes, as it came over the wire. */
  bytes: number;
}

function get(agent: Agent, url: URL, cookie: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        headers: { Cookie: cookie, Accept: "text/html", "Accept-Encoding": "gzip, deflate, br" },
      },
      (res) => {
        let bytes = 0;
        res.on("data", (chunk: Buffer) => (bytes += chunk.byteLength));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function run(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const started = performance.now();
  const measureFrom = started + job.warmupSeconds * 1000;
  const until = measureFrom + job.seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  // The parent reads the server's CPU time when the measured window opens.
  setTimeout(() => process.send?.({ mark: true }), job.warmupSeconds * 1000);
  const worker = async () => {
    for (;;) {
      const start = performance.now();
      if (start >= until) return;
      let ok = false;
      let size = 0;
      try {
        const answer = await get(agent, url, job.cookie);
        ok = answer.status === 200;
        size = answer.bytes;
      } catch {
        ok = false;
      }
      if (start < measureFrom) continue;
      if (ok) {
        latencies.push(performance.now() - start);
        bytes += size;
      } else errors++;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    rps: latencies.length / job.seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    bytes: latencies.length ? bytes / latencies.length : 0,
  };
}

if (process.send) {
  process.on("message", (job: LoadJob) => {
    void run(job).then((result) => process.send!(result));
  });
  process.on("disconnect", () => process.exit(0));
}
