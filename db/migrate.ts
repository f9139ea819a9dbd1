import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/neon-serverless";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import { LOGIN_ROLES } from "../roles/roles";
import { passwordStatement, roleSetupStatements } from "../roles/setup";
import { createPool } from "./driver";
import { withSetupDatabase } from "./env";

const MIGRATIONS = fileURLToPath(new URL("../migrations", import.meta.url));

async function canLogIn(url: string): Promise<boolean> {
  const pool = createPool(url, { max: 1 });
  try {
    await pool.query("select 1");
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "28P01" || code === "28000") return false;
    throw error;
  } finally {
    await pool.end();
  }
}

/** The password a role logs in with is the one in its connection string. */
function configuredPassword(envName: string): string {
  const password = decodeURIComponent(new URL(process.env[envName]!).password);
  if (!password)
    throw new Error(
      `${envName} has no password; role setup takes each role's password from its connection string`,
    );
  return password;
}

/**
 * Role setup (idempotent), then drizzle's generated migrations in order, all
 * with the owner connection. A role's password is set only when the role
 * cannot already log in with it, so a second run changes nothing.
 */
export async function migrateDatabase(log: (line: string) => void = () => {}) {
  const owner = createPool(process.env.DATABASE_URL!, { max: 1 });
  try {
    const { rowCount } = await owner.query(
      "select 1 from pg_available_extensions where name = 'pg_session_jwt'",
    );
    for (const statement of roleSetupStatements({ sessionJwtAvailable: Boolean(rowCount) }))
      await owner.query(statement);
    // The directory's writer is optional in production: without its URL it keeps no password and cannot log in.
    for (const { role, urlEnv } of LOGIN_ROLES) {
      if (!process.env[urlEnv] || (await canLogIn(process.env[urlEnv]))) continue;
      await owner.query(passwordStatement(role, configuredPassword(urlEnv)));
      log(`set the password of ${role}`);
    }
    await migrate(drizzle(owner), { migrationsFolder: MIGRATIONS });
    log("migrations applied");
  } finally {
    await owner.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await withSetupDatabase(() => migrateDatabase(console.log));
}
