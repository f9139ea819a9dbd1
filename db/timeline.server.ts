import { sql } from "drizzle-orm";
import { toAuditRow, type AuditRow, type RawAudit } from "./audit.server";
import { joinPerson, personName } from "./directory/people.server";
import { keysetPage } from "./keyset";
import type { ScopedTx } from "./scoped.server";
import { isoTime } from "./sql";
import {
  TODO_ROW_COLUMNS,
  TODO_ROW_JOINS,
  toTodoRow,
  type RawTodoRow,
  type TodoListRow,
} from "./todo-list.server";

/**
 * One todo and its history, for /todos/:id. There is no authorization
 * predicate here: RLS on `todos` decides whether the todo comes back, and
 * the audit log's policies (decision 019) decide which entries about it do.
 */

/** A page of the timeline: a todo with more entries than this shows the rest behind "older entries". */
const TIMELINE_PAGE_SIZE = 200;

/** An audit entry about the todo, with what the timeline adds to it; `occurredAt` is ISO 8601 in UTC, as `<time dateTime>` wants it. */
export interface TimelineEntry extends AuditRow {
  /** The names of the todo's owner before and after the change (a reassign mentions both); null for a former member. */
  ownerBeforeName: string | null;
  ownerAfterName: string | null;
}

interface TimelinePage {
  entries: TimelineEntry[];
  /** The entry id the next, older page starts below; null on the last page. */
  older: number | null;
}

/**
 * What the caller may know of one todo: the todo itself while they see it,
 * and the page of its timeline asked for. `fate` says why there is no todo:
 * `deleted` when the newest entry they read about the row is its delete
 * (`lastTask` is its text then), `hidden` when they read only entries of
 * their own doing about a todo they no longer see (reassigned, say).
 */
export interface TodoHistory extends TimelinePage {
  todo: TodoListRow | null;
  fate: "visible" | "deleted" | "hidden";
  lastTask: string | null;
}

type RawEntry = RawAudit & { owner_before_name: string | null; owner_after_name: string | null };

/**
 * The todo and a page of its timeline, asked at once (one round trip in a
 * scoped read); null when the caller may see neither the todo nor any entry
 * about it, which is exactly what a todo that never existed looks like.
 */
export async function readTodoHistory(
  tx: ScopedTx,
  todoId: number,
  before?: number,
): Promise<TodoHistory | null> {
  const [todo, page, last] = await Promise.all([
    findTodo(tx, todoId),
    listTimeline(tx, todoId, before),
    lastEntry(tx, todoId),
  ]);
  if (todo) return { todo, fate: "visible", lastTask: null, ...page };
  if (!last) return null;
  const deleted = last.table_name === "todos" && last.action === "delete";
  return {
    todo: null,
    fate: deleted ? "deleted" : "hidden",
    lastTask: deleted ? last.task : null,
    ...page,
  };
}

async function findTodo(tx: ScopedTx, id: number): Promise<TodoListRow | null> {
  const { rows } = await tx.execute<RawTodoRow>(
    sql`select ${TODO_ROW_COLUMNS} from todos t ${TODO_ROW_JOINS} where t.id = ${id}`,
  );
  return rows[0] ? toTodoRow(rows[0]) : null;
}

/** Entries about the todo (its own row and its reviews), newest first, a page at a time below `before`. */
async function listTimeline(tx: ScopedTx, todoId: number, before?: number): Promise<TimelinePage> {
  const below = before === undefined ? sql`` : sql`and a.id < ${before}`;
  // ids grow with time, so id order is newest-first order and a keyset.
  const { rows } = await tx.execute<RawEntry>(sql`
    select a.id, ${isoTime(sql`a.occurred_at`)} as occurred_at, a.tx_id, a.actor, ${personName("actor_user")} as actor_name, a.db_role, a.action, a.table_name, a.row_id, a.todo_id, a.before, a.after,
      t.reverts_tx_id, ${personName("owner_before")} as owner_before_name, ${personName("owner_after")} as owner_after_name
    from audit.audit_log a
    left join audit.transactions t on t.tx_id = a.tx_id and t.tenant_id = a.tenant_id
    ${joinPerson("actor_user", sql`a.actor`)}
    ${joinPerson("owner_before", sql`a.before ->> 'user_id'`)}
    ${joinPerson("owner_after", sql`a.after ->> 'user_id'`)}
    where a.todo_id = ${todoId} ${below}
    order by a.id desc
    limit ${TIMELINE_PAGE_SIZE + 1}`);
  const entries = rows.map((row): TimelineEntry => ({
    ...toAuditRow(row),
    ownerBeforeName: row.owner_before_name,
    ownerAfterName: row.owner_after_name,
  }));
  const page = keysetPage(entries, TIMELINE_PAGE_SIZE, { after: before }, (entry) => entry.id);
  return { entries: page.rows, older: page.next };
}

/**
 * The caller's newest readable entry about the todo, one about the row
 * itself before one about a review: read apart from the page shown, so
 * "deleted" and "not found" never depend on which page was asked for.
 */
async function lastEntry(tx: ScopedTx, todoId: number) {
  const { rows } = await tx.execute<{
    table_name: string;
    action: TimelineEntry["action"];
    task: string | null;
  }>(sql`
    select a.table_name, a.action, a.before ->> 'task' as task
    from audit.audit_log a
    where a.todo_id = ${todoId}
    order by a.table_name = 'todos' desc, a.id desc
    limit 1`);
  return rows[0] ?? null;
}
