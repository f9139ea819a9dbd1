import { availableParallelism } from "node:os";
import path from "node:path";

/**
 * Each Playwright worker has an app server and a database of its own, so no
 * test sees another worker's rows. Worker i is served at E2E_PORT + i from
 * the database e2e_i, both made by e2e/serve.ts for every worker the run may
 * start: two runs on one machine need E2E_PORT ranges E2E_WORKERS apart and
 * their own E2E_DATA_DIR. Outside a worker (the config, the server itself)
 * this is worker 0.
 */

/** One per CPU, at least two; past four the run waits on e2e/roles.spec.ts, a third of the suite's time in one file. */
export const E2E_WORKERS = Number(
  process.env.E2E_WORKERS ?? Math.min(Math.max(availableParallelism(), 2), 4),
);
export const E2E_DATA_DIR = path.resolve(process.env.E2E_DATA_DIR ?? ".data/e2e");
const BASE_PORT = Number(process.env.E2E_PORT ?? 3210);

export const workerPort = (index: number) => BASE_PORT + index;
export const workerDatabase = (index: number) => `e2e_${index}`;

// Playwright numbers a worker's slot (kept when a failed worker is replaced) in TEST_PARALLEL_INDEX.
const WORKER = Number(process.env.TEST_PARALLEL_INDEX ?? 0);
if (!(WORKER < E2E_WORKERS))
  throw new Error(
    `Worker ${WORKER} has no server: e2e/serve.ts serves ${E2E_WORKERS} (set E2E_WORKERS, not --workers).`,
  );

export const E2E_PORT = workerPort(WORKER);
export const APP_ORIGIN = `http://127.0.0.1:${E2E_PORT}`;
export const E2E_DATABASE = workerDatabase(WORKER);
