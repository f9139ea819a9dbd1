import type { PersonRef } from "../../db/directory/people.server";
import type { TimelineEntry } from "../../db/timeline.server";
import { changedFields } from "./AuditEntry";

/**
 * An audit entry as something that happened to a todo. The log records rows
 * (before and after images); people read events: created, edited, completed,
 * reassigned, reviewed. An update can be several events at once (a revert
 * may put back the text and the state together).
 */

type Entry = TimelineEntry;

export type TimelineEvent =
  | { kind: "created"; task: string }
  | { kind: "edited"; before: string; after: string }
  | { kind: "completed" }
  | { kind: "reopened" }
  | { kind: "reassigned"; from: PersonRef; to: PersonRef }
  | { kind: "deleted"; task: string }
  | { kind: "reviewed"; verdict: string; reason: string | null; note: string | null }
  | { kind: "review-removed"; verdict: string }
  | { kind: "claimed"; until: string }
  | { kind: "claim-ended" }
  | { kind: "escalated"; reason: string; note: string | null }
  | { kind: "escalation-resolved" }
  /** A field no event above names: shown as it is, before → after. */
  | { kind: "changed"; field: string; before: unknown; after: unknown };

const text = (value: unknown) =>
  typeof value === "string" ? value : JSON.stringify(value ?? null);
const nullableText = (value: unknown) =>
  value === null || value === undefined ? null : text(value);

function todoUpdate(entry: Entry): TimelineEvent[] {
  return changedFields(entry.before, entry.after).map(({ key, before, after }): TimelineEvent => {
    if (key === "task") return { kind: "edited", before: text(before), after: text(after) };
    if (key === "is_complete") return { kind: after === true ? "completed" : "reopened" };
    if (key === "user_id")
      return {
        kind: "reassigned",
        from: { id: text(before), name: entry.ownerBeforeName },
        to: { id: text(after), name: entry.ownerAfterName },
      };
    return { kind: "changed", field: key, before, after };
  });
}

export function timelineEvents(entry: Entry): TimelineEvent[] {
  const row = entry.after ?? entry.before ?? {};
  if (entry.tableName === "todos") {
    if (entry.action === "insert") return [{ kind: "created", task: text(row.task) }];
    if (entry.action === "delete") return [{ kind: "deleted", task: text(row.task) }];
    return todoUpdate(entry);
  }
  if (entry.tableName === "todo_claims") {
    // Taking over a lapsed claim or renewing one's own updates the row: either way a claim from now on.
    return entry.action === "delete"
      ? [{ kind: "claim-ended" }]
      : [{ kind: "claimed", until: text(row.expires_at) }];
  }
  if (entry.tableName === "todo_escalations") {
    if (entry.action === "insert")
      return [{ kind: "escalated", reason: text(row.reason), note: nullableText(row.note) }];
    if (entry.action === "update" && row.resolved_at) return [{ kind: "escalation-resolved" }];
    return changedFields(entry.before, entry.after).map(({ key, before, after }) => ({
      kind: "changed",
      field: `escalation ${key}`,
      before,
      after,
    }));
  }
  if (entry.action === "insert")
    return [
      {
        kind: "reviewed",
        verdict: text(row.verdict),
        reason: nullableText(row.reason),
        note: nullableText(row.note),
      },
    ];
  if (entry.action === "delete") return [{ kind: "review-removed", verdict: text(row.verdict) }];
  return changedFields(entry.before, entry.after).map(({ key, before, after }) => ({
    kind: "changed",
    field: `review ${key}`,
    before,
    after,
  }));
}

const ROLE_NAMES: Record<string, string> = {
  admin_backend: "admin",
  moderator_backend: "moderator",
  authenticated_backend: "member",
};

/** The role an entry was written as, in the dashboard's words; setup work has no actor. */
export const roleName = (entry: Pick<Entry, "actor" | "dbRole">) =>
  entry.actor === null ? "setup" : (ROLE_NAMES[entry.dbRole] ?? entry.dbRole);
