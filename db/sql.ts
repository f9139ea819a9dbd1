import { sql, type SQL } from "drizzle-orm";

/**
 * A list of ids as one `bigint[]` parameter. Drizzle expands a JS array in a
 * template into a comma list, which `= any(...)` cannot take, and one
 * parameter keeps a 50,000-id bulk action to one bind value.
 */
export const bigintArray = (ids: readonly number[]): SQL => sql`${`{${ids.join(",")}}`}::bigint[]`;

/** The fields of a Postgres error the app reads. */
export interface DatabaseError {
  code: string;
  constraint?: string;
  hint?: string;
  detail?: string;
}

/** A Postgres error, bare or wrapped by drizzle; undefined for anything else. */
export function databaseErrorOf(error: unknown): DatabaseError | undefined {
  const cause = (error as { cause?: Partial<DatabaseError> } | undefined)?.cause;
  const found =
    typeof cause?.code === "string" ? cause : (error as Partial<DatabaseError> | undefined);
  return typeof found?.code === "string" ? (found as DatabaseError) : undefined;
}

/** The SQLSTATE of a Postgres error, bare or wrapped by drizzle; undefined for anything else. */
export const sqlStateOf = (error: unknown): string | undefined => databaseErrorOf(error)?.code;

/** A timestamp as ISO 8601 in UTC, as `<time dateTime>` and `Date` want it. */
export const isoTime = (column: SQL): SQL =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
