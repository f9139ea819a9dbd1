import { listTodoChunk, type Cursor, type TodoListRow } from "../../db/todo-list.server";
import type { Identity } from "../../roles/identity";
import { streamExport, type Columns } from "../lib/export.server";
import type { ListParams } from "./list-params.server";

/** The columns /todos shows, people by name as well as by id. */
const TODO_COLUMNS: Columns<TodoListRow> = {
  id: (todo) => todo.id,
  task: (todo) => todo.task,
  owner_id: (todo) => todo.userId,
  owner_name: (todo) => todo.ownerName,
  status: (todo) => (todo.isComplete ? "complete" : "open"),
  created_at: (todo) => todo.insertedAt,
  verdict: (todo) => todo.verdict,
  verdict_note: (todo) => todo.verdictNote,
  reviewer_id: (todo) => todo.reviewerId,
  reviewer_name: (todo) => todo.reviewerName,
  reviewed_at: (todo) => todo.reviewedAt,
};

/** Every todo the view's filter matches, in its order, as CSV: the list's own query, walked chunk by chunk from the start whatever page the view was on. */
export function exportTodos(
  identity: Identity,
  view: ListParams,
  chunkRows?: number,
): Promise<Response> {
  return streamExport<TodoListRow, Cursor>(identity, {
    name: "todos",
    format: "csv",
    columns: TODO_COLUMNS,
    chunkRows,
    read: (tx, after, limit) => listTodoChunk(tx, { ...view, after: after ?? undefined, limit }),
  });
}
