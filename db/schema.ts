import { sql, type SQL } from "drizzle-orm";
import { crudPolicy } from "drizzle-orm/neon";
import { REVIEW_NOTE_MAX_LENGTH, REVIEW_VERDICTS } from "./limits";
import { bigint, boolean, check, index, pgEnum, pgRole, pgTable, text, timestamp, type AnyPgColumn } from "drizzle-orm/pg-core";

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
    // Keyset pagination over everyone's todos (moderators, admins) in either direction.
    index("todos_inserted_at_id_idx").on(table.insertedAt, table.id),
    crudPolicy({ role: authenticatedBackend, read: ownedByCaller(table.userId), modify: ownedByCaller(table.userId) }),
    crudPolicy({ role: moderatorBackend, read: true, modify: ownedByCaller(table.userId) }),
    crudPolicy({ role: adminBackend, read: true, modify: true }),
  ],
).enableRLS();

export type Todo = typeof todos.$inferSelect;

export const reviewVerdict = pgEnum("review_verdict", REVIEW_VERDICTS);

/**
 * Moderators' verdicts. A todo's current verdict is its latest review.
 * Members read the reviews of their own todos only: the policy asks whether
 * the todo is visible, and RLS on `todos` answers that for them.
 */
export const todoReviews = pgTable(
  "todo_reviews",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    todoId: bigint("todo_id", { mode: "number" })
      .notNull()
      .references(() => todos.id, { onDelete: "cascade" }),
    reviewerId: text("reviewer_id")
      .notNull()
      .default(sql`(auth.user_id())`),
    verdict: reviewVerdict("verdict").notNull(),
    note: text("note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("todo_reviews_todo_id_created_at_idx").on(table.todoId, table.createdAt.desc(), table.id.desc()),
    index("todo_reviews_reviewer_id_idx").on(table.reviewerId),
    check("todo_reviews_note_length", sql`char_length(${table.note}) <= ${sql.raw(String(REVIEW_NOTE_MAX_LENGTH))}`),
    crudPolicy({
      role: authenticatedBackend,
      read: sql`exists (select 1 from ${todos} where ${todos.id} = ${table.todoId})`,
      modify: false,
    }),
    crudPolicy({ role: moderatorBackend, read: true, modify: ownedByCaller(table.reviewerId) }),
    crudPolicy({ role: adminBackend, read: true, modify: true }),
  ],
).enableRLS();

export type TodoReview = typeof todoReviews.$inferSelect;
