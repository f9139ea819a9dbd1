import { useFetchers } from "@remix-run/react";
import type { TodoListRow } from "../../db/todo-list.server";
import { EmptyState } from "./EmptyState";
import { TodoItem, type RowSelection } from "./TodoItem";

type ActionData = { error: string; intent?: string; id?: string } | undefined;

interface TodoListProps {
  todos: TodoListRow[];
  /** Where the rows' forms post: the page itself, with its filters. */
  action: string;
  modifiable: number[];
  actionData: ActionData;
  emptyMessage: React.ReactNode;
  /** For admins: each row's selection, by index. */
  selectionFor?: (index: number, id: number) => RowSelection;
}

export function TodoList({
  todos,
  action,
  modifiable,
  actionData,
  emptyMessage,
  selectionFor,
}: TodoListProps) {
  const creating = useFetchers().filter(
    (fetcher) => fetcher.key === "create-todo" && fetcher.formData?.get("intent") === "create",
  );
  const editable = new Set(modifiable);
  if (todos.length === 0 && creating.length === 0) {
    return <EmptyState>{emptyMessage}</EmptyState>;
  }
  return (
    <ul
      className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white shadow-sm"
      aria-label="Todos"
    >
      {creating.map((fetcher) => (
        <li
          key={fetcher.key}
          className="flex items-start gap-3 px-4 py-3 text-slate-500"
          aria-busy="true"
        >
          <span className="mt-0.5 h-5 w-5 shrink-0 rounded border border-slate-300" />
          <span className="min-w-0 flex-1 wrap-anywhere">
            {String(fetcher.formData?.get("task") ?? "")}
          </span>
          <span className="shrink-0 text-xs">saving…</span>
        </li>
      ))}
      {todos.map((todo, index) => (
        <TodoItem
          key={todo.id}
          todo={todo}
          action={action}
          selection={selectionFor?.(index, todo.id)}
          editable={editable.has(todo.id)}
          serverError={
            actionData && actionData.id === String(todo.id) ? actionData.error : undefined
          }
        />
      ))}
    </ul>
  );
}
