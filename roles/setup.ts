import { BACKEND_ROLE_NAMES, LOGIN_ROLES, type BackendRole } from "./roles";

/**
 * Role setup, in statements that are safe to run any number of times: the
 * three backend login roles and the directory's writer (never BYPASSRLS),
 * the backend roles' privileges, default privileges for tables and
 * functions later migrations create, and the `auth` functions
 * the policies call. On Neon `pg_session_jwt` provides `auth.*`; elsewhere a
 * small SQL shim reads the same `request.jwt.claims` setting.
 */

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

function createRoleStatements(role: string): string[] {
  const ident = quoteIdent(role);
  return [
    `do $$ begin
  if not exists (select 1 from pg_roles where rolname = '${role}') then
    create role ${ident} login nobypassrls;
  end if;
end $$`,
    `alter role ${ident} with login nosuperuser nocreatedb nocreaterole nobypassrls`,
  ];
}

/** `auth.session()` / `auth.user_id()` for a Postgres without pg_session_jwt. */
const AUTH_SHIM_STATEMENTS: readonly string[] = [
  `create schema if not exists auth`,
  // A transaction that set the claims locally leaves the setting as '' rather
  // than unset once it ends, so '' must read as "no claims".
  `create or replace function auth.session() returns jsonb
  language sql stable
  as $$ select nullif(current_setting('request.jwt.claims', true), '')::jsonb $$`,
  `create or replace function auth.user_id() returns text
  language sql stable
  as $$ select nullif(auth.session() ->> 'sub', '') $$`,
  // A shim made before NO_PUBLIC_EXECUTE_STATEMENTS ran is still PUBLIC's.
  `revoke all on function auth.session(), auth.user_id() from public`,
];

/**
 * Postgres lets PUBLIC execute every new function. The owner's new functions
 * (the shim, and every function a migration creates) are executable only by
 * the roles they are granted to; a trigger runs its function regardless
 * (db/policy-lint.test.ts holds all of this).
 */
const NO_PUBLIC_EXECUTE_STATEMENTS: readonly string[] = [
  `alter default privileges revoke execute on functions from public`,
];

const SESSION_JWT_EXTENSION_STATEMENTS: readonly string[] = [
  `create extension if not exists pg_session_jwt`,
];

function grantStatements(roles: readonly BackendRole[] = BACKEND_ROLE_NAMES): string[] {
  const list = roles.map(quoteIdent).join(", ");
  return [
    `grant usage on schema public to ${list}`,
    // Only for tables made from now on: a blanket grant on every existing
    // table, run again by each setup, would undo the narrower grants a
    // migration gives a table (migrations/0020: the review queue's).
    `alter default privileges in schema public grant select, insert, update, delete on tables to ${list}`,
    `alter default privileges in schema public grant usage, select on sequences to ${list}`,
    `grant usage on schema auth to ${list}`,
    `grant execute on all functions in schema auth to ${list}`,
  ];
}

export function passwordStatement(role: string, password: string): string {
  return `alter role ${quoteIdent(role)} with password '${password.replaceAll("'", "''")}'`;
}

export function roleSetupStatements(options: { sessionJwtAvailable: boolean }): string[] {
  return [
    ...LOGIN_ROLES.flatMap(({ role }) => createRoleStatements(role)),
    ...NO_PUBLIC_EXECUTE_STATEMENTS,
    ...(options.sessionJwtAvailable ? SESSION_JWT_EXTENSION_STATEMENTS : AUTH_SHIM_STATEMENTS),
    ...grantStatements(),
  ];
}
