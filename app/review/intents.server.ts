import { z } from "zod";
import { REVIEW_NOTE_MAX_LENGTH, REVIEW_VERDICTS } from "../../db/limits";
import { firstStringValues, todoId } from "../todos/intents.server";

/** The form contract of POST /review: intent=review, id, verdict, note. */
export const reviewIntent = z.object({
  intent: z.literal("review", { error: "Unknown action." }),
  id: todoId,
  verdict: z.enum(REVIEW_VERDICTS, { error: "Choose approve or flag." }),
  note: z
    .string()
    .optional()
    .transform((value) => value?.trim() || null)
    .pipe(z.string().max(REVIEW_NOTE_MAX_LENGTH, `A note can be at most ${REVIEW_NOTE_MAX_LENGTH} characters.`).nullable()),
});

export type ReviewIntent = z.infer<typeof reviewIntent>;

export function parseReviewIntent(form: FormData): { ok: true; value: ReviewIntent } | { ok: false; error: string; id?: string } {
  const values = firstStringValues(form);
  const result = reviewIntent.safeParse(values);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: result.error.issues[0].message, id: values.id };
}
