import type { Pool } from "@neondatabase/serverless";
import { LOGIN_ROLES } from "../../roles/roles";

/**
 * Copies of the local database, one per test worker, so that tests running
 * side by side never see each other's rows. The login roles belong to the
 * whole server: a clone's connection strings differ only in the database.
 */

/** Every variable that names the database: the owner's and each login role's. */
const URL_ENV = ["DATABASE_URL", ...LOGIN_ROLES.map(({ urlEnv }) => urlEnv)];

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/** The same connection string, pointed at `database`. */
export function withDatabase(url: string, database: string): string {
  const moved = new URL(url);
  moved.pathname = `/${encodeURIComponent(database)}`;
  return moved.toString();
}

/** The same connection strings (same server, roles and proxy), pointed at `database`. */
export function envForDatabase(
  env: Readonly<Record<string, string>>,
  database: string,
): Record<string, string> {
  const moved = { ...env };
  for (const name of URL_ENV) if (env[name]) moved[name] = withDatabase(env[name], database);
  return moved;
}

/** A fresh copy of `template`, over a connection to another database: Postgres refuses to copy a database anyone is connected to. */
export async function cloneDatabase(maintenance: Pool, template: string, clone: string) {
  await maintenance.query(`create database ${quoteIdent(clone)} template ${quoteIdent(template)}`);
}

export async function dropDatabase(maintenance: Pool, name: string) {
  await maintenance.query(`drop database ${quoteIdent(name)} with (force)`);
}
