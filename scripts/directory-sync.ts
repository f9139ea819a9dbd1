import { DIRECTORY_ROLE, DIRECTORY_URL_ENV } from "../roles/roles";
import { applyDirectoryChanges, closeDirectoryPool } from "../db/directory/apply.server";
import { CLERK_API_URL, createClerkApi, syncDirectory } from "../db/directory/clerk-api.server";
import { readLiveDirectory, type DirectoryScope } from "../db/directory/reconcile.server";
import { ensureDatabaseEnv } from "../db/env";
import { migrateDatabase } from "../db/migrate";

/**
 * `npm run directory:sync`: copies every Clerk user, organization and
 * membership into the directory, for a new deployment or after webhooks
 * were missed, then tombstones every live user, organization and membership
 * Clerk no longer has (deleted or ended while webhooks were missed). Safe to
 * run at any time and as often as needed: a listing that did not complete
 * tombstones nothing.
 */

const log = (line: string) => console.log(`[directory-sync] ${line}`);

function fail(message: string): never {
  console.error(`[directory-sync] ${message}`);
  process.exit(1);
}

const secretKey = process.env.CLERK_SECRET_KEY?.trim();
if (!secretKey)
  fail(
    "CLERK_SECRET_KEY is not set: set it to the secret key (sk_live_... or sk_test_...) of the Clerk instance to copy from.",
  );

/**
 * Tests only: a JSON `{ "organizations": [ids], "users": [ids] }` limiting
 * which rows reconciliation may tombstone (memberships by organization), as
 * the test database is shared by every test file. Unset, as in production,
 * the whole directory is reconciled.
 */
const SCOPE_ENV = "WARDEN_TEST_DIRECTORY_SYNC_SCOPE";

function scopeFromEnv(): DirectoryScope | undefined {
  const raw = process.env[SCOPE_ENV];
  if (!raw) return undefined;
  const ids = (value: unknown) =>
    Array.isArray(value) && value.every((id) => typeof id === "string");
  try {
    const scope: unknown = JSON.parse(raw);
    if (
      typeof scope === "object" &&
      scope !== null &&
      ids((scope as DirectoryScope).organizations) &&
      ids((scope as DirectoryScope).users)
    )
      return scope as DirectoryScope;
  } catch {
    // Reported below.
  }
  fail(`${SCOPE_ENV} is not { "organizations": [ids], "users": [ids] }.`);
}

const scope = scopeFromEnv();

let stack: Awaited<ReturnType<typeof ensureDatabaseEnv>>;
try {
  stack = await ensureDatabaseEnv({ needOwner: false, log });
} catch (error) {
  fail((error as Error).message);
}

try {
  if (!process.env[DIRECTORY_URL_ENV]) {
    throw new Error(
      `${DIRECTORY_URL_ENV} is not set: the sync writes as the ${DIRECTORY_ROLE} role; set it to that role's connection string (npm run db:migrate creates the role with the password in it).`,
    );
  }
  // Like `npm run dev`: an embedded database this command started may never have been migrated.
  if (stack) await migrateDatabase(log);
  const clerk = createClerkApi({
    secretKey,
    baseUrl: process.env.CLERK_API_URL?.trim() || CLERK_API_URL,
  });
  const { listed } = await syncDirectory(clerk, applyDirectoryChanges, {
    log,
    readLive: (before) => readLiveDirectory({ before, scope }),
  });
  log(
    `done: ${listed.organizations} organizations, ${listed.users} users, ${listed.memberships} memberships`,
  );
} catch (error) {
  console.error(`[directory-sync] ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await closeDirectoryPool();
  await stack?.stop();
}
