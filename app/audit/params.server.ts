import { z } from "zod";
import type { AuditQuery } from "../../db/audit.server";
import { AUDIT_ACTIONS } from "../../db/limits";
import { OWNER_PATTERN } from "../todos/bulk-intent.server";

const emptyToUndefined = (value: unknown) => (value === "" ? undefined : value);
const positiveId = (message: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, message)
    .transform(Number);
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

const auditParams = z.object({
  actor: z.preprocess(
    emptyToUndefined,
    z.string().trim().regex(OWNER_PATTERN, "The actor must be a user id.").optional(),
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
  after: z.preprocess(
    emptyToUndefined,
    positiveId("That page link is broken. Start again from the first page.").optional(),
  ),
  before: z.preprocess(
    emptyToUndefined,
    positiveId("That page link is broken. Start again from the first page.").optional(),
  ),
});

export function parseAuditParams(
  search: URLSearchParams,
): { ok: true; value: AuditQuery } | { ok: false; error: string } {
  const raw = Object.fromEntries(
    ["actor", "todo", "tx", "action", "from", "to", "after", "before"].flatMap((key) =>
      search.has(key) ? [[key, search.get(key)]] : [],
    ),
  );
  const result = auditParams.safeParse(raw);
  if (!result.success) return { ok: false, error: result.error.issues[0].message };
  const { todo, tx, ...rest } = result.data;
  if (rest.from && rest.to && rest.from > rest.to)
    return { ok: false, error: "The date range ends before it starts." };
  if (rest.after && rest.before)
    return { ok: false, error: "That page link is broken. Start again from the first page." };
  return { ok: true, value: { ...rest, todoId: todo, txId: tx } };
}

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
