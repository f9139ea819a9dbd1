import { z } from "zod";
import { BULK_ACTIONS, BULK_LIMIT, type BulkAction } from "../../db/limits";
import { emptyToUndefined, USER_ID_PATTERN } from "../lib/fields";
import { todoId } from "./intents.server";

/**
 * The form contract of POST /todos/bulk: action, and either the selected `id`
 * fields (repeated) or scope=filter (the filter is the page's URL), plus
 * `owner` for reassign and `confirmed=yes` once confirmed. Read with
 * `repeated: ["id"]`.
 */

const fields = z.object({
  action: z.enum(BULK_ACTIONS, {
    error: "Choose a bulk action: complete, reopen, reassign or delete.",
  }),
  scope: z.preprocess(
    emptyToUndefined,
    z
      .enum(["selected", "filter"], {
        error: "Scope must be the selected rows or the whole filter.",
      })
      .default("selected"),
  ),
  owner: z.string().trim().optional(),
  confirmed: z.literal("yes").optional().catch(undefined),
  id: z.array(z.string()).default([]),
});

type ActionAndOwner =
  | { action: Exclude<BulkAction, "reassign">; owner?: undefined }
  | { action: "reassign"; owner: string };

// Checked after the fields, in this order, so the owner is judged before the ids and ids only when they are the target.
export const bulkIntent = fields.transform((value, ctx) => {
  const fail = (message: string, path: string) => {
    ctx.addIssue({ code: "custom", message, path: [path] });
    return z.NEVER;
  };
  const { action, scope, owner, confirmed, id: rawIds } = value;
  let target: ActionAndOwner;
  if (action === "reassign") {
    if (!owner || !USER_ID_PATTERN.test(owner))
      return fail("Choose the new owner to reassign to.", "owner");
    target = { action, owner };
  } else {
    target = { action };
  }
  const common = { ...target, confirmed: confirmed === "yes" };
  if (scope === "filter") return { ...common, scope };

  if (rawIds.length === 0) return fail("Select at least one todo.", "id");
  if (rawIds.length > BULK_LIMIT)
    return fail(
      `${rawIds.length.toLocaleString("en-US")} todos selected; a bulk action changes at most ${BULK_LIMIT.toLocaleString("en-US")}.`,
      "id",
    );
  const ids = new Set<number>();
  for (const raw of rawIds) {
    const parsed = todoId.safeParse(raw);
    if (!parsed.success) return fail(parsed.error.issues[0].message, "id");
    ids.add(parsed.data);
  }
  return { ...common, scope, ids: [...ids] };
});

export type BulkIntent = z.output<typeof bulkIntent>;
