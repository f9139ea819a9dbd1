/**
 * The first request after a pause, over HTTP against the production build:
 * an admin's `/todos`, first after an idle pause, against the median of the
 * warm requests that follow it. The pools keep their connections for
 * minutes and are filled as the server starts, so the pause costs no new
 * connection (the driver's default dropped them after 10 s; a reconnect
 * then cost a WebSocket and a SCRAM exchange).
 *
 *   npm run bench:cold-start                   (3 rounds of a 60 s pause)
 *   BENCH_IDLE_S=15 BENCH_ROUNDS=5 npm run bench:cold-start
 */
import { seedDemoData } from "../db/seed";
import { freePort } from "../db/local/stack";
import {
  ensureProductionBuild,
  signIn,
  sleep,
  startServer,
  stopServer,
  waitHealthy,
} from "./app-process";
import { startBenchDatabase } from "./embedded";
import { report, summarize } from "./report";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
const WARM_REQUESTS = 20;

ensureProductionBuild();
const stack = await startBenchDatabase(".data/bench-cold-start");
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const server = startServer(port, []);
try {
  await seedDemoData();
  await waitHealthy(origin, server);
  const cookie = await signIn(origin, "user_adam");
  const timedPage = async () => {
    const started = performance.now();
    const response = await fetch(`${origin}/todos`, { headers: { Cookie: cookie } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`/todos answered ${response.status}`);
    return performance.now() - started;
  };
  for (let call = 0; call < WARM_REQUESTS; call++) await timedPage();

  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    process.stdout.write(`round ${round + 1}: idle ${IDLE_S} s… `);
    await sleep(IDLE_S * 1000);
    const first = await timedPage();
    const warm: number[] = [];
    for (let call = 0; call < WARM_REQUESTS; call++) warm.push(await timedPage());
    const { median } = summarize(warm);
    console.log(`first ${first.toFixed(1)} ms, warm median ${median.toFixed(1)} ms`);
    ratios.push(first / median);
  }
  report([
    {
      name: `first /todos after ${IDLE_S} s idle / warm (admin, HTTP)`,
      samples: ratios,
      unit: "×",
      target: { op: "≤", value: 2 },
    },
  ]);
} finally {
  await stopServer(server, 2_000);
  await stack.stop();
}
