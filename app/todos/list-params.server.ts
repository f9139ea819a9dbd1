import { z } from "zod";
import { decodeCursor } from "../../db/cursor";
import { SORTS, TODO_STATUSES, VERDICT_FILTERS } from "../../db/limits";
import type { TodoListQuery } from "../../db/todo-list.server";
import { emptyToUndefined } from "../lib/fields";

/**
 * The list view lives in the URL (owner, status, verdict, q, sort, and a
 * keyset cursor), so a view can be shared and reloaded. Anything malformed
 * is a 400, never a silently different view.
 */

const BROKEN_LINK = "That page link is broken. Start again from the first page.";

const cursor = z
  .string()
  .transform(
    (value, ctx) =>
      decodeCursor(value) ?? (ctx.addIssue({ code: "custom", message: BROKEN_LINK }), z.NEVER),
  );

export const listParams = z
  .object({
    owner: z.preprocess(
      emptyToUndefined,
      z.string().trim().max(200, "The owner filter is too long.").optional(),
    ),
    status: z.preprocess(
      emptyToUndefined,
      z.enum(TODO_STATUSES, { error: "Status must be open or complete." }).optional(),
    ),
    verdict: z.preprocess(
      emptyToUndefined,
      z
        .enum(VERDICT_FILTERS, { error: "Verdict must be unreviewed, approved or flagged." })
        .optional(),
    ),
    q: z.preprocess(
      emptyToUndefined,
      z.string().trim().max(200, "The search text is too long.").optional(),
    ),
    sort: z.preprocess(
      emptyToUndefined,
      z.enum(SORTS, { error: "Sort must be newest or oldest." }).default("newest"),
    ),
    after: z.preprocess(emptyToUndefined, cursor.optional()),
    before: z.preprocess(emptyToUndefined, cursor.optional()),
  })
  .refine((value) => !(value.after && value.before), BROKEN_LINK);

export type ListParams = TodoListQuery;

/** The filter part of the URL, without paging: for links that keep the view. */
export function filterSearch(params: ListParams, extra: Record<string, string> = {}): string {
  const search = new URLSearchParams();
  for (const key of ["owner", "status", "verdict", "q"] as const)
    if (params[key]) search.set(key, params[key]!);
  if (params.sort !== "newest") search.set("sort", params.sort);
  for (const [key, value] of Object.entries(extra)) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}
