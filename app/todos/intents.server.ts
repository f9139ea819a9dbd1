import { z } from "zod";
import { TASK_MAX_LENGTH } from "../../db/limits";

/** The form contract of POST /todos. Every field has a defined answer. */

const task = z
  .string({ error: "Enter a task." })
  .transform((value) => value.trim())
  .pipe(
    z
      .string()
      .min(1, "Enter a task.")
      .max(TASK_MAX_LENGTH, `A task can be at most ${TASK_MAX_LENGTH} characters.`),
  );

export const todoId = z
  .string({ error: "Missing todo id." })
  .regex(/^[1-9][0-9]{0,14}$/, "The todo id must be a positive whole number.")
  .transform(Number);

export const todoIntent = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("create"), task }),
    z.object({ intent: z.literal("update"), id: todoId, task }),
    z.object({ intent: z.literal("toggle"), id: todoId }),
    z.object({ intent: z.literal("delete"), id: todoId }),
  ],
  { error: "Unknown action." },
);

export type TodoIntent = z.infer<typeof todoIntent>;

export type ParsedIntent =
  | { ok: true; value: TodoIntent }
  | { ok: false; error: string; field?: string; intent?: string; id?: string };

/** The first string value of each field; files and repeats are ignored. */
export function firstStringValues(form: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value === "string" && !Object.hasOwn(values, key)) values[key] = value;
  }
  return values;
}

export function parseTodoIntent(form: FormData): ParsedIntent {
  const values = firstStringValues(form);
  const result = todoIntent.safeParse(values);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return {
    ok: false,
    error: issue.message,
    field: issue.path[0]?.toString(),
    intent: values.intent,
    id: values.id,
  };
}
