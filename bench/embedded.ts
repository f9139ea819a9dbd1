import path from "node:path";
import { ensureDatabaseEnv } from "../db/env";
import { migrateDatabase } from "../db/migrate";

/**
 * Benchmarks truncate and refill tables, so they run only on an embedded
 * Postgres of their own (and the local identity provider), never on a
 * database named by DATABASE_* variables.
 */
export async function startBenchDatabase(dataDir: string) {
  const configured = Object.keys(process.env).filter((name) => name.startsWith("DATABASE_"));
  if (configured.length > 0)
    throw new Error(
      `Benchmarks overwrite their database; unset ${configured.join(", ")} to run them on the embedded default.`,
    );
  process.env.WARDEN_DATA_DIR = path.resolve(process.env.WARDEN_DATA_DIR ?? dataDir);
  for (const name of ["CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"]) delete process.env[name];
  const stack = await ensureDatabaseEnv({ needOwner: true, log: () => {} });
  await migrateDatabase();
  return stack!;
}
