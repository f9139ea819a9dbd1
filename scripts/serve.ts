import { spawn } from "node:child_process";
import { ConfigError, loadConfig } from "../app/config.server";
import { migrateDatabase } from "../db/migrate";
import { seedDemoData } from "../db/seed";
import { ensureDatabaseEnv } from "../db/env";

const log = (line: string) => console.log(`[warden] ${line}`);

/** An incomplete or contradictory configuration exits non-zero, listing every problem, before anything starts. */
export function checkConfigOrExit() {
  try {
    const config = loadConfig(process.env);
    log(
      `${config.mode} mode, ${config.identity.provider === "clerk" ? "Clerk" : "local identity provider"}`,
    );
    if (config.identity.provider === "local" && config.identity.demoOptIn)
      log("WARNING: demo sign-in is on (WARDEN_DEMO_SIGN_IN=1): anyone can sign in as an admin.");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/**
 * Runs the app with its database. The configuration is checked first: an
 * incomplete or contradictory one exits non-zero, listing every problem,
 * before anything starts or listens. On the embedded default it starts
 * Postgres and the proxy, migrates and seeds first; in production it serves
 * against the configured database as it is. Ctrl-C (or SIGTERM) stops the app
 * and then everything this process started.
 */
export async function serve(command: string, args: string[]) {
  const stack = await ensureDatabaseEnv({ needOwner: false, log });
  if (stack) {
    await migrateDatabase(log);
    await seedDemoData(log);
  }
  const env = {
    ...process.env,
    HOST: process.env.HOST ?? "127.0.0.1",
    PORT: process.env.PORT ?? "3000",
  };
  log(
    `serving on http://${env.HOST}:${env.PORT}${stack ? " (embedded Postgres, local identity provider)" : ""}`,
  );
  const child = spawn(command, args, { stdio: "inherit", env });

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      // The app server stops listening at once but lingers until idle database
      // connections time out; in-flight requests get a grace period, no more.
      const grace = setTimeout(() => child.kill("SIGKILL"), 2_000);
      await exited;
      clearTimeout(grace);
    }
    await stack?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));
  child.on("exit", (code) => void stop(code ?? 1));
}
