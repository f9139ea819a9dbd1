import { z } from "zod";
import {
  REVIEW_NOTE_MAX_LENGTH,
  REVIEW_REASONS,
  REVIEW_VERDICTS,
  type ReviewReason,
} from "../../db/limits";
import type { FieldError } from "../lib/form.server";
import { todoId } from "../todos/intents.server";

/**
 * The form contract of POST /review. Every intent names a todo by `id`:
 * review (verdict, reason, note), claim, release, escalate (reason, note)
 * and resolve (an admin closing the todo's open escalation).
 */

const note = z
  .string()
  .optional()
  .transform((value) => value?.trim() || null)
  .pipe(
    z
      .string()
      .max(REVIEW_NOTE_MAX_LENGTH, `A note can be at most ${REVIEW_NOTE_MAX_LENGTH} characters.`)
      .nullable(),
  );

/** The reason picker's empty choice ("") counts as none; which intents need one is said below. */
const reason = z
  .string()
  .optional()
  .transform((value) => value || undefined)
  .pipe(z.enum(REVIEW_REASONS, { error: "Choose a reason from the list." }).optional());

/** The value with the reason it must carry, or that field's error when none was chosen. */
function withReason<T extends { reason?: ReviewReason }>(
  value: T,
  ctx: z.RefinementCtx,
  message: string,
) {
  if (value.reason) return { ...value, reason: value.reason };
  ctx.addIssue({ code: "custom", message, input: value, path: ["reason"] });
  return z.NEVER;
}

const FLAG_NEEDS_REASON = "Choose a reason for the flag.";
const ESCALATION_NEEDS_REASON = "Choose a reason for the escalation.";

export const reviewIntent = z.discriminatedUnion(
  "intent",
  [
    z
      .object({
        intent: z.literal("review"),
        id: todoId,
        verdict: z.enum(REVIEW_VERDICTS, { error: "Choose approve or flag." }),
        reason,
        note,
      })
      // A flag says why; an approval takes no reason (the form's picker is shared, so one chosen there is ignored).
      .transform((value, ctx) => {
        if (value.verdict === "approved") return { ...value, reason: null };
        return withReason(value, ctx, FLAG_NEEDS_REASON);
      }),
    z.object({ intent: z.literal("claim"), id: todoId }),
    z.object({ intent: z.literal("release"), id: todoId }),
    z
      .object({ intent: z.literal("escalate"), id: todoId, reason, note })
      .transform((value, ctx) => withReason(value, ctx, ESCALATION_NEEDS_REASON)),
    z.object({ intent: z.literal("resolve"), id: todoId }),
  ],
  { error: "Unknown action." },
);

export type ReviewIntent = z.infer<typeof reviewIntent>;

/** `id` as posted, even when it was the trouble: which todo the message is about. */
export type ReviewActionData = { error: string; id?: string };

export const reviewIntentError = (
  { error }: FieldError,
  fields: Record<string, string>,
): ReviewActionData => ({ error, id: fields.id });
