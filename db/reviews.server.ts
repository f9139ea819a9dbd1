import { sql } from "drizzle-orm";
import { holderOf, liveClaimOn } from "./claims.server";
import { joinPerson, personName, type PersonRef } from "./directory/people.server";
import { latestReviews, unreviewed } from "./latest-review.server";
import type { ReviewReason, ReviewVerdict, VerdictFilter } from "./limits";
import { sqlStateOf } from "./sql";
import {
  PEOPLE_JOINS,
  TODO_ROW_COLUMNS,
  toTodoRow,
  type RawTodoRow,
  type TodoListRow,
} from "./todo-list.server";
import type { ScopedTx } from "./scoped.server";

/**
 * The moderation queue. Like every query here it has no authorization
 * predicate: a moderator's policies let them read everything and write
 * reviews only as themselves; a member's let them write none.
 */

/** A queue item is a todo with its latest verdict, like a row of the list. */
export type QueueItem = TodoListRow;

export type QueueCounts = Record<VerdictFilter, number>;

/** Counts per state, from the (smaller) reviews table and one count of todos. */
export async function queueCounts(tx: ScopedTx): Promise<QueueCounts> {
  const { rows } = await tx.execute<{ total: string; approved: string; flagged: string }>(sql`
    with latest as (${latestReviews(sql`r.verdict`)})
    select (select count(*) from todos) as total,
           count(*) filter (where verdict = 'approved') as approved,
           count(*) filter (where verdict = 'flagged') as flagged
    from latest`);
  const { total, approved, flagged } = rows[0];
  return {
    unreviewed: Number(total) - Number(approved) - Number(flagged),
    approved: Number(approved),
    flagged: Number(flagged),
  };
}

/**
 * Oldest unreviewed todos first: they have waited longest. Neither list offers
 * the caller's own todos: the policies would refuse a verdict on them.
 */
export async function unreviewedTodos(tx: ScopedTx, limit: number): Promise<QueueItem[]> {
  const { rows } = await tx.execute<RawTodoRow>(sql`
    select t.id, t.user_id, ${personName("owner_user")} as owner_name, t.task, t.is_complete, t.inserted_at::text as inserted_at,
           null as verdict, null as verdict_reason, null as verdict_note, null as reviewer_id, null as reviewer_name, null as reviewed_at
    from todos t
    ${joinPerson("owner_user", sql`t.user_id`)}
    where ${unreviewed(sql`t.id`)}
      and t.user_id is distinct from (select auth.user_id())
    order by t.inserted_at, t.id
    limit ${limit}`);
  return rows.map(toTodoRow);
}

/** Todos whose latest verdict is "flagged", most recently flagged first. */
export async function flaggedTodos(tx: ScopedTx, limit: number): Promise<QueueItem[]> {
  const { rows } = await tx.execute<RawTodoRow>(sql`
    with latest as (${latestReviews()})
    select ${TODO_ROW_COLUMNS}
    from latest lr join todos t on t.id = lr.todo_id
    ${PEOPLE_JOINS}
    where lr.verdict = 'flagged'
      and t.user_id is distinct from (select auth.user_id())
    order by lr.created_at desc, t.id desc
    limit ${limit}`);
  return rows.map(toTodoRow);
}

/**
 * `missing`: the todo is gone; `own-todo`: the policies refuse a verdict on
 * the caller's own todo; `taken`: someone else holds a live claim on it.
 */
export type ReviewOutcome =
  | { status: "recorded" }
  | { status: "missing" }
  | { status: "own-todo" }
  | { status: "taken"; by: PersonRef };

/**
 * Records a verdict as the caller (reviewer_id defaults to auth.user_id();
 * the policies check it, separation of duties and, by the check constraint,
 * that a flag has a reason and an approval none). Someone else's live claim
 * keeps the verdict from being written: the claim is how reviewers share
 * the queue, so the app honours it, though it is no permission. The same
 * transaction ends the caller's own claim on the todo, if any.
 */
export async function recordReview(
  tx: ScopedTx,
  input: {
    todoId: number;
    verdict: ReviewVerdict;
    reason: ReviewReason | null;
    note: string | null;
  },
): Promise<ReviewOutcome> {
  try {
    const [{ rows }] = await Promise.all([
      tx.execute<{
        review_id: string | null;
        claimant_id: string | null;
        claimant_name: string | null;
      }>(sql`
        with holder as (${liveClaimOn(input.todoId)}),
        recorded as (
          insert into todo_reviews (todo_id, verdict, reason, note)
          select ${input.todoId}, ${input.verdict}::review_verdict, ${input.reason}::review_reason, ${input.note}
          where not exists (select 1 from holder where not holder.mine)
          returning id)
        select (select id from recorded) as review_id, h.claimant_id, h.claimant_name
        from (select 1) one left join holder h on not h.mine`),
      tx.execute(
        sql`delete from todo_claims where todo_id = ${input.todoId} and claimant_id = (select auth.user_id())`,
      ),
    ]);
    const [row] = rows;
    if (row.review_id !== null) return { status: "recorded" };
    return {
      status: "taken",
      by: holderOf({ claimant_id: row.claimant_id!, claimant_name: row.claimant_name }),
    };
  } catch (error) {
    const code = sqlStateOf(error);
    if (code === "23503") return { status: "missing" };
    if (code === "42501") return { status: "own-todo" };
    throw error;
  }
}
