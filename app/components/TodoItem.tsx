import { Link, useFetcher } from "@remix-run/react";
import type { TodoListRow } from "../../db/todo-list.server";
import { TASK_MAX_LENGTH } from "../../db/limits";
import { BULK_FORM_ID } from "./BulkBar";
import { Person } from "./Person";
import { FieldError } from "./FieldError";
import { SubmitButton } from "./SubmitButton";
import { VerdictBadge } from "./VerdictBadge";

export interface RowSelection {
  checked: boolean;
  /** `extend`: shift was held, so select the range from the last click. */
  onChange: (checked: boolean, extend: boolean) => void;
}

type Result = { error: string } | undefined;

const buttonClass = "rounded-md px-2 py-1 text-sm disabled:opacity-50";

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
  todo: TodoListRow;
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
  const task =
    submitting === "update" ? String(fetcher.formData?.get("task") ?? todo.task) : todo.task;
  const saving = submitting === "update";
  const error = fetcher.data?.error ?? serverError;
  const errorId = `todo-${todo.id}-error`;
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
      <div className="flex items-start gap-3">
        {selection ? (
          <input
            type="checkbox"
            name="id"
            value={todo.id}
            form={BULK_FORM_ID}
            checked={selection.checked}
            onChange={(event) =>
              selection.onChange(
                event.target.checked,
                (event.nativeEvent as MouseEvent).shiftKey === true,
              )
            }
            aria-label={`Select “${todo.task}”`}
            className="mt-1 h-4 w-4 shrink-0 accent-indigo-600"
          />
        ) : null}
        {editable ? (
          <form {...form} className="mt-0.5 shrink-0">
            <input type="hidden" name="intent" value="toggle" />
            <input type="hidden" name="id" value={todo.id} />
            <button
              type="submit"
              role="checkbox"
              aria-checked={complete}
              aria-label={`${complete ? "Reopen" : "Complete"} “${todo.task}”`}
              className={`flex h-5 w-5 items-center justify-center rounded border ${complete ? "border-indigo-600 bg-indigo-600 text-white" : "border-slate-500 bg-white"}`}
            >
              {complete ? "✓" : ""}
            </button>
          </form>
        ) : (
          <span
            role="img"
            aria-label={complete ? "complete" : "open"}
            className={`mt-0.5 h-5 w-5 shrink-0 rounded border ${complete ? "border-slate-500 bg-slate-300" : "border-slate-500"}`}
          />
        )}
        {/* The text takes the row's width; on narrow screens owner, verdict and Delete go below it rather than beside. */}
        <div className="min-w-0 flex-1">
          <div className="flex flex-col gap-1 sm:flex-row sm:items-center sm:gap-3">
            <span
              data-testid="todo-task"
              className={`min-w-0 flex-1 wrap-anywhere ${complete ? "text-slate-500 line-through" : ""}`}
            >
              <Link to={`/todos/${todo.id}`} className="hover:underline">
                {task}
              </Link>
            </span>
            {/* At most 40% beside the text, so a long name (a former member's id) wraps instead of squeezing it. */}
            <div className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1 wrap-anywhere sm:max-w-[40%] sm:justify-end">
              <Person
                id={todo.userId}
                name={todo.ownerName}
                testId="todo-owner"
                className="text-xs text-slate-600"
              />
              <VerdictBadge verdict={todo.verdict} />
              {editable ? (
                <form {...form}>
                  <input type="hidden" name="intent" value="delete" />
                  <input type="hidden" name="id" value={todo.id} />
                  <button
                    type="submit"
                    className={`${buttonClass} text-red-700 hover:bg-red-50`}
                    aria-label={`Delete “${todo.task}”`}
                  >
                    Delete
                  </button>
                </form>
              ) : null}
            </div>
          </div>
          {todo.verdict ? (
            <p className="mt-1 text-xs text-slate-600 wrap-anywhere" data-testid="review-note">
              {todo.verdict === "flagged" ? "Flagged" : "Approved"} by{" "}
              {todo.reviewerId ? (
                <Person id={todo.reviewerId} name={todo.reviewerName} testId="reviewer" />
              ) : null}
              {todo.verdictNote ? <>: “{todo.verdictNote}”</> : null}
            </p>
          ) : null}
          {editable ? (
            <details className="mt-2 text-sm">
              <summary className="w-fit cursor-pointer text-slate-600 hover:text-slate-800">
                Edit
              </summary>
              <form {...form} className="mt-2 flex flex-wrap gap-2">
                <input type="hidden" name="intent" value="update" />
                <input type="hidden" name="id" value={todo.id} />
                <input
                  name="task"
                  defaultValue={todo.task}
                  maxLength={TASK_MAX_LENGTH}
                  aria-label={`New text for “${todo.task}”`}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? errorId : undefined}
                  className="min-w-0 flex-1 basis-48 rounded-md border border-slate-300 bg-white px-2 py-1 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
                />
                <SubmitButton
                  pending={saving}
                  pendingLabel="Saving…"
                  className={`${buttonClass} bg-slate-800 text-white hover:bg-slate-900`}
                >
                  Save
                </SubmitButton>
              </form>
            </details>
          ) : null}
          {error ? (
            <FieldError
              id={errorId}
              error={error}
              arrival={fetcher.data?.error ? fetcher.data : null}
            />
          ) : null}
        </div>
      </div>
    </li>
  );
}
