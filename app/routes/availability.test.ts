import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { LocalPostgres } from "../../db/local/postgres";
import { closeRolePools } from "../../db/pools.server";
import { localDataDir } from "../../db/local/data-dir";
import { args, settle, signInAs, URL_BASE } from "../testing/routes";
import { loader as healthz } from "./healthz";
import { loader as todos } from "./todos";

// Stops and restarts the test run's own Postgres (alone, after every other file: vitest.config.ts),
// to see the app say "unavailable" and then recover without a restart of its own.
const dataDir = localDataDir();
const { pgPort } = JSON.parse(readFileSync(path.join(dataDir, "stack.json"), "utf8")) as {
  pgPort: number;
};
const { ownerPassword } = JSON.parse(readFileSync(path.join(dataDir, "secrets.json"), "utf8")) as {
  ownerPassword: string;
};
const server = new LocalPostgres({
  dataDir: path.join(dataDir, "pg"),
  port: pgPort,
  superuser: "postgres",
  password: ownerPassword,
});

afterAll(async () => {
  await server.start().catch(() => {});
  await closeRolePools();
});

// A short bounded wait by default, so "down" is answered quickly; the cold-start case raises it.
process.env.WARDEN_DB_WAIT_MS = "1000";

it("answers 503 while the database is down, after the bounded wait, and recovers by itself when it is back", async () => {
  const cookie = await signInAs("user_alice");
  const page = () =>
    settle(() => todos(args(new Request(`${URL_BASE}/todos`, { headers: { Cookie: cookie } }))));
  expect((await healthz()).status).toBe(200);
  expect((await page()).response.status).toBe(200);

  await server.stop();
  try {
    const health = await healthz();
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: "unavailable" });
    const started = performance.now();
    const down = await page();
    // It kept trying for the whole wait before it gave up, and not much longer.
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(down).toMatchObject({ thrown: true });
    expect(down.response.status).toBe(503);
    expect((await down.response.json()).message).toMatch(/database is not answering/);
  } finally {
    await server.start();
  }

  expect((await healthz()).status).toBe(200);
  const back = await page();
  expect(back.response.status).toBe(200);
  expect((await back.response.json()).databaseRole).toBe("authenticated_backend");
});

it("waits out a cold start: a request that arrives while the database is starting is answered once it is up, not with a 503", async () => {
  const cookie = await signInAs("user_alice");
  const page = () =>
    settle(() => todos(args(new Request(`${URL_BASE}/todos`, { headers: { Cookie: cookie } }))));
  expect((await page()).response.status).toBe(200);
  process.env.WARDEN_DB_WAIT_MS = "20000";
  try {
    await server.stop();
    const pending = page();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await server.start();
    const answer = await pending;
    expect(answer.response.status).toBe(200);
    expect((await answer.response.json()).databaseRole).toBe("authenticated_backend");
  } finally {
    process.env.WARDEN_DB_WAIT_MS = "1000";
    await server.start().catch(() => {});
  }
});
