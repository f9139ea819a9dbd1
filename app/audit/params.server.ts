import { z } from "zod";
import type { AuditQuery } from "../../db/audit.server";
import { AUDIT_ACTIONS } from "../../db/limits";
import { emptyToUndefined, positiveId, USER_ID_PATTERN } from "../lib/fields";

const BROKEN_LINK = "That page link is broken. Start again from the first page.";
const date = (message: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, message)
    // Year 0 parses in JavaScript but not in Postgres.
    .refine(
      (value) =>
        Number(value.slice(0, 4)) >= 1 &&
        !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
        new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
      message,
    );

/** /audit's filter and page, in the URL; the exports take the same. Anything malformed is a 400. */
export const auditParams = z
  .object({
    actor: z.preprocess(
      emptyToUndefined,
      z.string().trim().regex(USER_ID_PATTERN, "The actor must be a user id.").optional(),
    ),
    todo: z.preprocess(
      emptyToUndefined,
      positiveId("The todo id must be a positive whole number.").optional(),
    ),
    tx: z.preprocess(
      emptyToUndefined,
      positiveId("The transaction id must be a positive whole number.").optional(),
    ),
    action: z.preprocess(
      emptyToUndefined,
      z.enum(AUDIT_ACTIONS, { error: "Action must be insert, update or delete." }).optional(),
    ),
    from: z.preprocess(emptyToUndefined, date("From must be a date (YYYY-MM-DD).").optional()),
    to: z.preprocess(emptyToUndefined, date("To must be a date (YYYY-MM-DD).").optional()),
    after: z.preprocess(emptyToUndefined, positiveId(BROKEN_LINK).optional()),
    before: z.preprocess(emptyToUndefined, positiveId(BROKEN_LINK).optional()),
  })
  .refine(
    (value) => !(value.from && value.to && value.from > value.to),
    "The date range ends before it starts.",
  )
  .refine((value) => !(value.after && value.before), BROKEN_LINK)
  .transform(({ todo, tx, ...rest }): AuditQuery => ({ ...rest, todoId: todo, txId: tx }));

export function auditSearch(
  query: AuditQuery,
  page: { after?: number; before?: number } = {},
): string {
  const search = new URLSearchParams();
  if (query.actor) search.set("actor", query.actor);
  if (query.todoId) search.set("todo", String(query.todoId));
  if (query.txId) search.set("tx", String(query.txId));
  if (query.action) search.set("action", query.action);
  if (query.from) search.set("from", query.from);
  if (query.to) search.set("to", query.to);
  if (page.after) search.set("after", String(page.after));
  if (page.before) search.set("before", String(page.before));
  const text = search.toString();
  return text ? `?${text}` : "";
}
