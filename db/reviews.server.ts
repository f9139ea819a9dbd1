import { sql } from "drizzle-orm";
import { joinPerson, personName } from "./directory/people.server";
import type { ReviewVerdict } from "./limits";
import { toTodoRow, type RawTodoRow, type TodoListRow } from "./todo-list.server";
import { todoReviews } from "./schema";
import type { ScopedTx } from "./scoped.server";

/**
 * The moderation queue. Like every query here it has no authorization
 * predicate: a moderator's policies let them read everything and write
 * reviews only as themselves; a member's let them write none.
 */

/** A queue item is a todo with its latest verdict, like a row of the list. */
export type QueueItem = TodoListRow;

export interface QueueCounts {
  unreviewed: number;
  approved: number;
  flagged: number;
}

/** Counts per state, from the (smaller) reviews table and one count of todos. */
export async function queueCounts(tx: ScopedTx): Promise<QueueCounts> {
  const { rows } = await tx.execute<{ total: string; approved: string; flagged: string }>(sql`
    with latest as (
      select distinct on (todo_id) verdict
      from todo_reviews
      order by todo_id, created_at desc, id desc
    )
    select (select count(*) from todos) as total,
           count(*) filter (where verdict = 'approved') as approved,
           count(*) filter (where verdict = 'flagged') as flagged
    from latest`);
  const { total, approved, flagged } = rows[0];
  return { unreviewed: Number(total) - Number(approved) - Number(flagged), approved: Number(approved), flagged: Number(flagged) };
}

/**
 * Oldest unreviewed todos first: they have waited longest. Neither list offers
 * the caller's own todos: the policies would refuse a verdict on them.
 */
export async function unreviewedTodos(tx: ScopedTx, limit: number): Promise<QueueItem[]> {
  const { rows } = await tx.execute<RawTodoRow>(sql`
    select t.id, t.user_id, ${personName("owner_user")} as owner_name, t.task, t.is_complete, t.inserted_at::text as inserted_at,
           null as verdict, null as verdict_note, null as reviewer_id, null as reviewer_name, null as reviewed_at
    from todos t
    ${joinPerson("owner_user", sql`t.user_id`)}
    where not exists (select 1 from todo_reviews r where r.todo_id = t.id)
      and t.user_id is distinct from (select auth.user_id())
    order by t.inserted_at, t.id
    limit ${limit}`);
  return rows.map(toTodoRow);
}

/** Todos whose latest verdict is "flagged", most recently flagged first. */
export async function flaggedTodos(tx: ScopedTx, limit: number): Promise<QueueItem[]> {
  const { rows } = await tx.execute<RawTodoRow>(sql`
    with latest as (
      select distinct on (todo_id) todo_id, verdict, note, reviewer_id, created_at
      from todo_reviews
      order by todo_id, created_at desc, id desc
    )
    select t.id, t.user_id, ${personName("owner_user")} as owner_name, t.task, t.is_complete, t.inserted_at::text as inserted_at,
           l.verdict, l.note as verdict_note, l.reviewer_id, ${personName("reviewer_user")} as reviewer_name, l.created_at::text as reviewed_at
    from latest l join todos t on t.id = l.todo_id
    ${joinPerson("owner_user", sql`t.user_id`)}
    ${joinPerson("reviewer_user", sql`l.reviewer_id`)}
    where l.verdict = 'flagged'
      and t.user_id is distinct from (select auth.user_id())
    order by l.created_at desc, t.id desc
    limit ${limit}`);
  return rows.map(toTodoRow);
}

/** `missing`: the todo is gone; `own-todo`: the policies refuse a verdict on the caller's own todo. */
export type ReviewOutcome = "recorded" | "missing" | "own-todo";

/** Records a verdict as the caller (reviewer_id defaults to auth.user_id(); the policies check it and separation of duties). */
export async function recordReview(tx: ScopedTx, input: { todoId: number; verdict: ReviewVerdict; note: string | null }): Promise<ReviewOutcome> {
  try {
    await tx.insert(todoReviews).values({ todoId: input.todoId, verdict: input.verdict, note: input.note });
    return "recorded";
  } catch (error) {
    const code = (error as { cause?: { code?: string }; code?: string }).cause?.code ?? (error as { code?: string }).code;
    if (code === "23503") return "missing";
    if (code === "42501") return "own-todo";
    throw error;
  }
}
