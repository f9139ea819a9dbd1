import { z } from "zod";

/**
 * The form contract of POST /revert: which transaction, and where to go back
 * to. `back` is a path on this site only, so the redirect can never be
 * turned into a way off it.
 */

export const DEFAULT_BACK = "/todos";

export const revertForm = z.object({
  tx: z
    .string({ error: "Missing transaction id." })
    .regex(/^[1-9][0-9]{0,15}$/, "The transaction id must be a positive whole number.")
    .transform(Number)
    .refine(Number.isSafeInteger, "The transaction id must be a positive whole number."),
  back: z
    .string()
    .max(2000)
    .regex(/^\/(?![/\\])[^\\\s]*$/)
    .catch(DEFAULT_BACK)
    .default(DEFAULT_BACK),
});

export type RevertForm = z.infer<typeof revertForm>;
