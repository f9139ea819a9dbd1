import { useFetcher } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { TASK_MAX_LENGTH } from "../../db/limits";
import { FieldError } from "./FieldError";
import { SubmitButton } from "./SubmitButton";

type FormError = { error: string; field?: string } | undefined;

/** Create form. Without JavaScript it is a plain post; with it, the new task shows at once. */
export function NewTodoForm({ serverError }: { serverError: FormError }) {
  const fetcher = useFetcher<FormError>({ key: "create-todo" });
  const input = useRef<HTMLInputElement>(null);
  const pending = fetcher.state !== "idle";
  const error = (fetcher.data ?? serverError)?.error;

  useEffect(() => {
    if (fetcher.state === "idle" && !fetcher.data?.error && input.current) input.current.value = "";
  }, [fetcher.state, fetcher.data]);

  return (
    <fetcher.Form
      method="post"
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
      aria-label="New todo"
    >
      <input type="hidden" name="intent" value="create" />
      <label htmlFor="new-task" className="block text-sm font-medium text-slate-700">
        New todo
      </label>
      <div className="mt-2 flex gap-2">
        <input
          ref={input}
          id="new-task"
          name="task"
          maxLength={TASK_MAX_LENGTH}
          placeholder="What needs doing?"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "new-task-error" : undefined}
          className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
        />
        <SubmitButton
          pending={pending}
          pendingLabel="Adding…"
          className="shrink-0 rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
        >
          Add
        </SubmitButton>
      </div>
      {error ? (
        <FieldError
          id="new-task-error"
          error={error}
          arrival={fetcher.data?.error ? fetcher.data : null}
        />
      ) : null}
    </fetcher.Form>
  );
}
