import { z } from "zod";
import { BULK_ACTIONS, BULK_LIMIT, type BulkAction } from "../../db/limits";
import { firstStringValues, todoId } from "./intents.server";

/**
 * The bulk form contract of POST /todos: intent=bulk, action, and either the
 * selected `id` fields (repeated) or scope=filter (the filter is the page's
 * URL), plus `owner` for reassign and `confirmed=yes` once confirmed.
 */
export const OWNER_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

const bulkFields = z.object({
  action: z.enum(BULK_ACTIONS, {
    error: "Choose a bulk action: complete, reopen, reassign or delete.",
  }),
  scope: z
    .enum(["selected", "filter"], { error: "Scope must be the selected rows or the whole filter." })
    .default("selected"),
  owner: z.string().trim().optional(),
  confirmed: z.literal("yes").optional().catch(undefined),
});

export type BulkIntent = {
  action: BulkAction;
  owner?: string;
  confirmed: boolean;
} & ({ scope: "selected"; ids: number[] } | { scope: "filter" });

export function parseBulkIntent(
  form: FormData,
): { ok: true; value: BulkIntent } | { ok: false; error: string } {
  const values = firstStringValues(form);
  const fields = bulkFields.safeParse({ ...values, scope: values.scope || undefined });
  if (!fields.success) return { ok: false, error: fields.error.issues[0].message };
  const { action, scope, owner, confirmed } = fields.data;
  if (action === "reassign" && (!owner || !OWNER_PATTERN.test(owner))) {
    return { ok: false, error: "Choose the new owner to reassign to." };
  }
  const common = {
    action,
    owner: action === "reassign" ? owner : undefined,
    confirmed: confirmed === "yes",
  };
  if (scope === "filter") return { ok: true, value: { ...common, scope } };

  const rawIds = form.getAll("id");
  if (rawIds.length === 0) return { ok: false, error: "Select at least one todo." };
  if (rawIds.length > BULK_LIMIT) {
    return {
      ok: false,
      error: `${rawIds.length.toLocaleString("en-US")} todos selected; a bulk action changes at most ${BULK_LIMIT.toLocaleString("en-US")}.`,
    };
  }
  const ids = new Set<number>();
  for (const raw of rawIds) {
    const parsed = todoId.safeParse(raw);
    if (!parsed.success) return { ok: false, error: parsed.error.issues[0].message };
    ids.add(parsed.data);
  }
  return { ok: true, value: { ...common, scope, ids: [...ids] } };
}
