import { eq, not, sql, type SQL } from "drizzle-orm";
import type { ScopedTx } from "./scoped.server";
import { todos, type Todo } from "./schema";
import { bigintArray } from "./sql";

/**
 * Todo queries, run inside a scoped transaction. None of them filters by
 * user: the rows a caller sees or changes are the ones RLS lets through, so a
 * mutation that touches no row means "not yours or not there".
 */

export async function currentDatabaseRole(tx: ScopedTx): Promise<string> {
  const { rows } = await tx.execute<{ role: string }>(sql`select current_user as role`);
  return rows[0].role;
}

export async function createTodo(tx: ScopedTx, task: string): Promise<Todo> {
  const [row] = await tx.insert(todos).values({ task }).returning();
  return row;
}

export async function updateTask(tx: ScopedTx, id: number, task: string): Promise<Todo | null> {
  const [row] = await tx.update(todos).set({ task }).where(eq(todos.id, id)).returning();
  return row ?? null;
}

export async function toggleTodo(tx: ScopedTx, id: number): Promise<Todo | null> {
  const [row] = await tx
    .update(todos)
    .set({ isComplete: not(todos.isComplete) })
    .where(eq(todos.id, id))
    .returning();
  return row ?? null;
}

export async function deleteTodo(tx: ScopedTx, id: number): Promise<Todo | null> {
  const [row] = await tx.delete(todos).where(eq(todos.id, id)).returning();
  return row ?? null;
}

/**
 * Which of these rows may the caller change? Postgres answers: a locking
 * read must pass the UPDATE policy as well as the SELECT policy, so rows the
 * caller may not modify simply do not come back. FOR KEY SHARE is the
 * weakest lock and is released when the read-only transaction ends. `ids`
 * is a list of ids or a subquery yielding them (the page query's own rows).
 */
export const modifiableAmong = (ids: SQL) =>
  sql`select m.id from todos m where m.id = any(${ids}) for key share`;

export async function modifiableIds(tx: ScopedTx, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const { rows } = await tx.execute<{ id: string }>(modifiableAmong(bigintArray(ids)));
  return rows.map((row) => Number(row.id));
}
