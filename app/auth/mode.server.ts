import path from "node:path";

/** Clerk when both keys are set; otherwise the local identity provider. */
export type AuthMode = "clerk" | "local";

export function authMode(env: NodeJS.ProcessEnv = process.env): AuthMode {
  return env.CLERK_PUBLISHABLE_KEY && env.CLERK_SECRET_KEY ? "clerk" : "local";
}

/** Where the embedded default keeps its state (database, keys, secrets). */
export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.WARDEN_DATA_DIR ?? ".data/dev");
}
