import { currentTransactionId } from "../../db/revert.server";
import type { Todo } from "../../db/schema";
import type { ScopedTx } from "../../db/scoped.server";
import { createTodo, deleteTodo, toggleTodo, updateTask } from "../../db/todos.server";
import type { TodoIntent } from "./intents.server";

/**
 * `row` null means RLS hid or refused the row. `undo`, after a delete that
 * removed one, is the transaction it happened in (decision 019).
 */
export interface IntentResult {
  row: Todo | null;
  undo?: number;
}

/** Runs one parsed intent. */
export async function runTodoIntent(tx: ScopedTx, intent: TodoIntent): Promise<IntentResult> {
  switch (intent.intent) {
    case "create":
      return { row: await createTodo(tx, intent.task) };
    case "update":
      return { row: await updateTask(tx, intent.id, intent.task) };
    case "toggle":
      return { row: await toggleTodo(tx, intent.id) };
    case "delete": {
      // Asked together, so both travel in the one message and its one transaction.
      const [row, txId] = await Promise.all([deleteTodo(tx, intent.id), currentTransactionId(tx)]);
      return row ? { row, undo: txId } : { row };
    }
  }
}
