import type { Todo } from "../../db/schema";
import type { ScopedTx } from "../../db/scoped.server";
import { createTodo, deleteTodo, toggleTodo, updateTask } from "../../db/todos.server";
import type { TodoIntent } from "./intents.server";

/** Runs one parsed intent; `null` means RLS hid or refused the row. */
export function runTodoIntent(tx: ScopedTx, intent: TodoIntent): Promise<Todo | null> {
  switch (intent.intent) {
    case "create":
      return createTodo(tx, intent.task);
    case "update":
      return updateTask(tx, intent.id, intent.task);
    case "toggle":
      return toggleTodo(tx, intent.id);
    case "delete":
      return deleteTodo(tx, intent.id);
  }
}
