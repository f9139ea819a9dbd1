import { sql, type SQL } from "drizzle-orm";

/**
 * A list of ids as one `bigint[]` parameter. Drizzle expands a JS array in a
 * template into a comma list, which `= any(...)` cannot take, and one
 * parameter keeps a 50,000-id bulk action to one bind value.
 */
export const bigintArray = (ids: readonly number[]): SQL => sql`${`{${ids.join(",")}}`}::bigint[]`;
