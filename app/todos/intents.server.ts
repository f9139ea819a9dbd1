import { z } from "zod";
import { TASK_MAX_LENGTH } from "../../db/limits";
import { positiveId } from "../lib/fields";
import type { FieldError } from "../lib/form.server";

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
  .pipe(positiveId("The todo id must be a positive whole number."));

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

/** `intent` and `id` as posted, even when they were the trouble, so the page shows the message beside that row. */
export type TodoActionData = { error: string; intent?: string; id?: string; field?: string };

export const todoIntentError = (
  { error, field }: FieldError,
  fields: Record<string, string>,
): TodoActionData => ({ error, field, intent: fields.intent, id: fields.id });
