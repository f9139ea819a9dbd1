import { sql, type SQL } from "drizzle-orm";
import { crudPolicy } from "drizzle-orm/neon";
import { bigint, boolean, index, pgRole, pgTable, text, timestamp, type AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * What each backend role may do lives here and only here: the migrations are
 * generated from these policies. The roles are created by role setup
 * (roles/setup.ts), so drizzle must treat them as existing.
 */
export const authenticatedBackend = pgRole("authenticated_backend").existing();
export const moderatorBackend = pgRole("moderator_backend").existing();
export const adminBackend = pgRole("admin_backend").existing();

/**
 * Ownership predicate. `(select auth.user_id())` is an initplan evaluated
 * once per statement, so Postgres can use the index on the column; drizzle's
 * `authUid` compares inside a per-row subquery and forces a full scan.
 */
export const ownedByCaller = (column: AnyPgColumn): SQL => sql`${column} = (select auth.user_id())`;

export const todos = pgTable(
  "todos",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    userId: text("user_id")
      .notNull()
      .default(sql`(auth.user_id())`),
    task: text("task").notNull(),
    isComplete: boolean("is_complete").notNull().default(false),
    insertedAt: timestamp("inserted_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("todos_user_id_idx").on(table.userId),
    crudPolicy({ role: authenticatedBackend, read: ownedByCaller(table.userId), modify: ownedByCaller(table.userId) }),
    crudPolicy({ role: moderatorBackend, read: true, modify: ownedByCaller(table.userId) }),
    crudPolicy({ role: adminBackend, read: true, modify: true }),
  ],
).enableRLS();

export type Todo = typeof todos.$inferSelect;
