import { localDataDir } from "./local/data-dir";
import { BACKEND_ROLE_NAMES, connectionEnvFor, LOGIN_ROLES } from "../roles/roles";
import { startLocalStack, type LocalStack } from "./local/stack";

const ROLE_ENV = BACKEND_ROLE_NAMES.map(connectionEnvFor);
/** Any of these set means the operator's own database: the directory's writer counts, though nothing requires it. */
const ALL_ENV = ["DATABASE_URL", ...LOGIN_ROLES.map(({ urlEnv }) => urlEnv)];

/**
 * With no DATABASE_* variable set, starts the embedded default and puts its
 * connection strings into process.env. Otherwise the variables the caller
 * needs must all be set: a half-configured production must not quietly fall
 * back to local data. Serving needs only the three role URLs; migrating and
 * seeding need the owner's too.
 */
export async function ensureDatabaseEnv(options: {
  needOwner: boolean;
  log?: (line: string) => void;
}): Promise<LocalStack | null> {
  const needed = options.needOwner ? ["DATABASE_URL", ...ROLE_ENV] : ROLE_ENV;
  if (ALL_ENV.some((name) => process.env[name])) {
    const missing = needed.filter((name) => !process.env[name]);
    if (missing.length > 0) {
      throw new Error(
        `Missing ${missing.join(", ")}. Set every database variable (see .env.example), or none for the embedded default.`,
      );
    }
    return null;
  }
  const stack = await startLocalStack({ dataDir: localDataDir(), log: options.log });
  Object.assign(process.env, stack.env);
  return stack;
}

/** For setup commands (migrate, seed): the owner's database, local or configured, for the length of `run`. */
export async function withSetupDatabase(run: () => Promise<void>) {
  const stack = await ensureDatabaseEnv({ needOwner: true });
  try {
    await run();
  } finally {
    await stack?.stop();
  }
}
