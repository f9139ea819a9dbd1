import { BACKEND_ROLE_NAMES, connectionEnvFor } from "../roles/roles";
import { localDataDir } from "../app/auth/mode.server";
import { startLocalStack, type LocalStack } from "./local/stack";

export const DATABASE_ENV = ["DATABASE_URL", ...BACKEND_ROLE_NAMES.map(connectionEnvFor)] as const;

/**
 * With no DATABASE_* variable set, starts the embedded default and puts its
 * connection strings into process.env; with some set, requires all of them
 * (a half-configured production must not quietly fall back to local data).
 */
export async function ensureDatabaseEnv(options: { log?: (line: string) => void } = {}): Promise<LocalStack | null> {
  const set = DATABASE_ENV.filter((name) => process.env[name]);
  if (set.length === DATABASE_ENV.length) return null;
  if (set.length > 0) {
    const missing = DATABASE_ENV.filter((name) => !process.env[name]);
    throw new Error(`Some database variables are set but not all. Missing: ${missing.join(", ")}. Set all of them, or none for the embedded default.`);
  }
  const stack = await startLocalStack({ dataDir: localDataDir(), log: options.log });
  Object.assign(process.env, stack.env);
  return stack;
}
