import { Link, useFetcher } from "@remix-run/react";
import type { SerializeFrom } from "@remix-run/node";
import type { TodoListRow } from "../../db/todo-list.server";
import { TASK_MAX_LENGTH } from "../../db/limits";
import { BULK_FORM_ID } from "./BulkBar";
import { Person } from "./Person";
import { VerdictBadge } from "./VerdictBadge";

export interface RowSelection {
  checked: boolean;
  /** `extend`: shift was held, so select the range from the last click. */
  onChange: (checked: boolean, extend: boolean) => void;
}

type Result = { error: string } | undefined;

const buttonClass =
  "rounded-md px-2 py-1 text-sm focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-50";

/**
 * One row. Each control is its own plain form (toggle, edit, delete), so
 * everything works without JavaScript; with it, the row's fetcher submits
 * the form and shows the outcome before the server answers. A list renders
 * 25 rows of three forms each, so the forms are plain `<form>`s posting to
 * the page's action, given once, rather than fetcher forms that each work
 * out their own action from the route; one fetcher serves the row, told
 * apart by the intent it is submitting.
 */
interface TodoItemProps {
  todo: SerializeFrom<TodoListRow>;
  action: string;
  editable: boolean;
  serverError?: string;
  /** Present for admins: the row's bulk-selection checkbox. */
  selection?: RowSelection;
}

export function TodoItem({ todo, action, editable, serverError, selection }: TodoItemProps) {
  const fetcher = useFetcher<Result>();
  const submitting = fetcher.formData?.get("intent");

  const complete = submitting === "toggle" ? !todo.isComplete : todo.isComplete;
  const task = submitting === "update" ? String(fetcher.formData?.get("task") ?? todo.task) : todo.task;
  const saving = submitting === "update";
  const error = fetcher.data?.error ?? serverError;
  if (submitting === "delete") return null;
  const form = {
    method: "post",
    action,
    onSubmit: (event: React.FormEvent<HTMLFormElement>) => {
      event.preventDefault();
      fetcher.submit(event.currentTarget, { method: "post", action });
    },
  } as const;

  return (
    <li className="px-4 py-3" data-testid="todo" data-todo-id={todo.id}>
      <div className="flex flex-wrap items-center gap-3">
        {selection ? (
          <input
            type="checkbox"
            name="id"
            value={todo.id}
            form={BULK_FORM_ID}
            checked={selection.checked}
            onChange={(event) => selection.onChange(event.target.checked, (event.nativeEvent as MouseEvent).shiftKey === true)}
            aria-label={`Select “${todo.task}”`}
            className="h-4 w-4 accent-indigo-600"
          />
        ) : null}
        {editable ? (
          <form {...form}>
            <input type="hidden" name="intent" value="toggle" />
            <input type="hidden" name="id" value={todo.id} />
            <button
              type="submit"
              role="checkbox"
              aria-checked={complete}
              aria-label={`${complete ? "Reopen" : "Complete"} “${todo.task}”`}
              className={`flex h-5 w-5 items-center justify-center rounded border ${complete ? "border-indigo-600 bg-indigo-600 text-white" : "border-slate-400 bg-white"} focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600`}
            >
              {complete ? "✓" : ""}
            </button>
          </form>
        ) : (
          <span aria-label={complete ? "complete" : "open"} className={`h-5 w-5 rounded border ${complete ? "border-slate-400 bg-slate-300" : "border-slate-300"}`} />
        )}
        <span data-testid="todo-task" className={`min-w-0 flex-1 break-words ${complete ? "text-slate-400 line-through" : ""}`}>
          <Link to={`/todos/${todo.id}`} className="hover:underline">
            {task}
          </Link>
        </span>
        <Person id={todo.userId} name={todo.ownerName} testId="todo-owner" className="text-xs text-slate-500" />
        <VerdictBadge verdict={todo.verdict} />
        {editable ? (
          <form {...form}>
            <input type="hidden" name="intent" value="delete" />
            <input type="hidden" name="id" value={todo.id} />
            <button type="submit" className={`${buttonClass} text-red-700 hover:bg-red-50`} aria-label={`Delete “${todo.task}”`}>
              Delete
            </button>
          </form>
        ) : null}
      </div>
      {todo.verdict ? (
        <p className="mt-1 text-xs text-slate-600" data-testid="review-note">
          {todo.verdict === "flagged" ? "Flagged" : "Approved"} by {todo.reviewerId ? <Person id={todo.reviewerId} name={todo.reviewerName} testId="reviewer" /> : null}
          {todo.verdictNote ? <>: “{todo.verdictNote}”</> : null}
        </p>
      ) : null}
      {editable ? (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-slate-500 hover:text-slate-700">Edit</summary>
          <form {...form} className="mt-2 flex gap-2">
            <input type="hidden" name="intent" value="update" />
            <input type="hidden" name="id" value={todo.id} />
            <input
              name="task"
              defaultValue={todo.task}
              maxLength={TASK_MAX_LENGTH}
              aria-label={`New text for “${todo.task}”`}
              className="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
            />
            <button type="submit" disabled={saving} className={`${buttonClass} bg-slate-800 text-white hover:bg-slate-900`}>
              {saving ? "Saving…" : "Save"}
            </button>
          </form>
        </details>
      ) : null}
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </li>
  );
}
