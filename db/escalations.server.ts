import { sql } from "drizzle-orm";
import { joinPerson, personName, type PersonRef } from "./directory/people.server";
import type { ReviewReason } from "./limits";
import type { ScopedTx } from "./scoped.server";
import { isoTime, sqlStateOf } from "./sql";

/**
 * Escalations to the organization's admins (decision 020). The policies of
 * `todo_escalations` let moderators escalate others' todos and admins
 * resolve; nothing here checks either.
 */

export interface OpenEscalation {
  todoId: number;
  task: string;
  owner: PersonRef;
  by: PersonRef;
  reason: ReviewReason;
  note: string | null;
  /** ISO 8601, UTC. */
  createdAt: string;
}

/** `escalated`: it already has an open escalation (one at a time). */
export type EscalateOutcome =
  | { status: "escalated" }
  | { status: "escalated-already" }
  | { status: "missing" }
  | { status: "own-todo" };
/** `missing`: no open escalation of that todo, or not one the caller sees. */
export type ResolveOutcome =
  { status: "resolved" } | { status: "missing" } | { status: "own-todo" };

export async function escalateTodo(
  tx: ScopedTx,
  input: { todoId: number; reason: ReviewReason; note: string | null },
): Promise<EscalateOutcome> {
  try {
    const { rows } = await tx.execute(sql`
      insert into todo_escalations (todo_id, reason, note)
      select t.id, ${input.reason}::review_reason, ${input.note} from todos t where t.id = ${input.todoId}
      returning id`);
    return rows.length > 0 ? { status: "escalated" } : { status: "missing" };
  } catch (error) {
    const state = sqlStateOf(error);
    if (state === "23505") return { status: "escalated-already" };
    if (state === "42501") return { status: "own-todo" };
    throw error;
  }
}

export async function resolveEscalation(tx: ScopedTx, todoId: number): Promise<ResolveOutcome> {
  try {
    const { rows } = await tx.execute(sql`
      update todo_escalations set resolved_by = auth.user_id(), resolved_at = now()
      where todo_id = ${todoId} and resolved_at is null
      returning id`);
    return rows.length > 0 ? { status: "resolved" } : { status: "missing" };
  } catch (error) {
    if (sqlStateOf(error) === "42501") return { status: "own-todo" };
    throw error;
  }
}

/** Open escalations, oldest first, without the caller's own todos (they may not decide on those). */
export async function openEscalations(tx: ScopedTx, limit: number): Promise<OpenEscalation[]> {
  const { rows } = await tx.execute<{
    todo_id: string;
    task: string;
    user_id: string;
    owner_name: string | null;
    escalated_by: string;
    escalator_name: string | null;
    reason: ReviewReason;
    note: string | null;
    created_at: string;
  }>(sql`
    select e.todo_id, t.task, t.user_id, ${personName("owner_user")} as owner_name, e.escalated_by, ${personName("escalator")} as escalator_name,
           e.reason, e.note, ${isoTime(sql`e.created_at`)} as created_at
    from todo_escalations e
    join todos t on t.id = e.todo_id
    ${joinPerson("owner_user", sql`t.user_id`)}
    ${joinPerson("escalator", sql`e.escalated_by`)}
    where e.resolved_at is null and t.user_id is distinct from (select auth.user_id())
    order by e.created_at, e.id
    limit ${limit}`);
  return rows.map((row) => ({
    todoId: Number(row.todo_id),
    task: row.task,
    owner: { id: row.user_id, name: row.owner_name },
    by: { id: row.escalated_by, name: row.escalator_name },
    reason: row.reason,
    note: row.note,
    createdAt: row.created_at,
  }));
}
