import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The production app server as a process of its own, for benchmarks that
 * measure it over HTTP: its database and the database's proxy stay in the
 * benchmark's process, so the server's CPU is its own.
 */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `npm run dev` leaves a development build in build/, which would measure the wrong thing. */
export function ensureProductionBuild() {
  const build = path.resolve("build/index.js");
  if (existsSync(build) && /\bmode = "production"/.test(readFileSync(build, "utf8"))) return;
  console.log("building the production bundle (npx remix build)…");
  if (spawnSync("npx", ["remix", "build"], { stdio: "inherit" }).status !== 0)
    throw new Error("npx remix build failed");
}

/** The app server alone, as `npm start` runs it; the database and its proxy stay in this process. */
export function startServer(port: number, nodeOptions: string[]): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
  };
  return spawn(process.execPath, [...nodeOptions, "--import", "tsx", "scripts/app-server.ts"], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
}

export async function waitHealthy(origin: string, server: ChildProcess) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null)
      throw new Error(`the app server exited (${server.exitCode}) before it was healthy`);
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`no healthy app server at ${origin} within 60 s`);
}

/** Stops the server; it lingers until idle database connections time out, so after `graceMs` it is killed. */
export async function stopServer(server: ChildProcess, graceMs: number) {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  const killed = setTimeout(() => server.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(killed);
}

/** Signs in through the demo sign-in form, as a browser would; returns the session cookie. */
export async function signIn(origin: string, userId: string): Promise<string> {
  const response = await fetch(`${origin}/sign-in`, {
    method: "POST",
    headers: { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ identity: userId }),
    redirect: "manual",
  });
  const cookie = response.headers
    .getSetCookie()
    .find((line) => line.startsWith("__warden_session="));
  if (response.status !== 302 || !cookie)
    throw new Error(`sign in as ${userId}: ${response.status}`);
  return cookie.split(";")[0];
}
