import { describe, expect, it } from "vitest";
import type { TimelineEntry } from "../../db/timeline.server";
import { roleName, timelineEvents } from "./timeline-events";

const todo = {
  id: 7,
  user_id: "user_mia",
  task: "Draft",
  is_complete: false,
  tenant_id: "org_x",
  inserted_at: "2026-01-01T00:00:00Z",
};
const review = {
  id: 3,
  todo_id: 7,
  tenant_id: "org_x",
  reviewer_id: "user_mo",
  verdict: "flagged",
  note: "too vague",
  created_at: "2026-01-02T00:00:00Z",
};

const entry = (overrides: Partial<TimelineEntry>): TimelineEntry => ({
  id: 1,
  occurredAt: "2026-01-01T00:00:00.000Z",
  txId: 100,
  actor: "user_mia",
  actorName: "Mia",
  dbRole: "authenticated_backend",
  action: "insert",
  tableName: "todos",
  rowId: 7,
  todoId: 7,
  before: null,
  after: todo,
  revertsTxId: null,
  ownerBeforeName: null,
  ownerAfterName: null,
  ...overrides,
});

describe("timelineEvents", () => {
  it("reads a todo's insert, delete and each kind of update", () => {
    expect(timelineEvents(entry({}))).toEqual([{ kind: "created", task: "Draft" }]);
    expect(timelineEvents(entry({ action: "delete", before: todo, after: null }))).toEqual([
      { kind: "deleted", task: "Draft" },
    ]);
    const update = (after: Record<string, unknown>, names: Partial<TimelineEntry> = {}) =>
      timelineEvents(
        entry({ action: "update", before: todo, after: { ...todo, ...after }, ...names }),
      );
    expect(update({ task: "Draft more" })).toEqual([
      { kind: "edited", before: "Draft", after: "Draft more" },
    ]);
    expect(update({ is_complete: true })).toEqual([{ kind: "completed" }]);
    expect(
      timelineEvents(
        entry({ action: "update", before: { ...todo, is_complete: true }, after: todo }),
      ),
    ).toEqual([{ kind: "reopened" }]);
    expect(
      update({ user_id: "user_otto" }, { ownerBeforeName: "Mia", ownerAfterName: null }),
    ).toEqual([
      {
        kind: "reassigned",
        from: { id: "user_mia", name: "Mia" },
        to: { id: "user_otto", name: null },
      },
    ]);
  });

  it("reads an update that changed several fields (a revert, say) as one event each, unknown fields as they are", () => {
    expect(
      timelineEvents(
        entry({
          action: "update",
          before: todo,
          after: { ...todo, task: "Done", is_complete: true, priority: 2 },
        }),
      ),
    ).toEqual([
      { kind: "edited", before: "Draft", after: "Done" },
      { kind: "completed" },
      { kind: "changed", field: "priority", before: undefined, after: 2 },
    ]);
  });

  it("reads reviews: a verdict with its note, and its removal", () => {
    expect(timelineEvents(entry({ tableName: "todo_reviews", after: review }))).toEqual([
      { kind: "reviewed", verdict: "flagged", reason: null, note: "too vague" },
    ]);
    expect(
      timelineEvents(entry({ tableName: "todo_reviews", after: { ...review, note: null } })),
    ).toEqual([{ kind: "reviewed", verdict: "flagged", reason: null, note: null }]);
    expect(
      timelineEvents(
        entry({ tableName: "todo_reviews", action: "delete", before: review, after: null }),
      ),
    ).toEqual([{ kind: "review-removed", verdict: "flagged" }]);
  });
});

describe("the review queue's entries", () => {
  const claim = {
    id: 4,
    todo_id: 7,
    tenant_id: "org_x",
    claimant_id: "user_mo",
    claimed_at: "2026-01-02T00:00:00Z",
    expires_at: "2026-01-02T00:15:00+00:00",
  };
  const escalation = {
    id: 5,
    todo_id: 7,
    tenant_id: "org_x",
    escalated_by: "user_mo",
    reason: "abuse",
    note: "see the thread",
    resolved_by: null,
    resolved_at: null,
  };

  it("reads a flag's reason", () => {
    expect(
      timelineEvents(entry({ tableName: "todo_reviews", after: { ...review, reason: "spam" } })),
    ).toEqual([{ kind: "reviewed", verdict: "flagged", reason: "spam", note: "too vague" }]);
  });

  it("reads claims: taken, taken over or renewed, and ended", () => {
    expect(timelineEvents(entry({ tableName: "todo_claims", after: claim }))).toEqual([
      { kind: "claimed", until: claim.expires_at },
    ]);
    const later = { ...claim, claimant_id: "user_ada", expires_at: "2026-01-03T00:15:00+00:00" };
    expect(
      timelineEvents(
        entry({ tableName: "todo_claims", action: "update", before: claim, after: later }),
      ),
    ).toEqual([{ kind: "claimed", until: later.expires_at }]);
    expect(
      timelineEvents(
        entry({ tableName: "todo_claims", action: "delete", before: claim, after: null }),
      ),
    ).toEqual([{ kind: "claim-ended" }]);
  });

  it("reads escalations and their resolution", () => {
    expect(timelineEvents(entry({ tableName: "todo_escalations", after: escalation }))).toEqual([
      { kind: "escalated", reason: "abuse", note: "see the thread" },
    ]);
    const resolved = {
      ...escalation,
      resolved_by: "user_ad",
      resolved_at: "2026-01-03T00:00:00+00:00",
    };
    expect(
      timelineEvents(
        entry({
          tableName: "todo_escalations",
          action: "update",
          before: escalation,
          after: resolved,
        }),
      ),
    ).toEqual([{ kind: "escalation-resolved" }]);
  });
});

describe("roleName", () => {
  it.each([
    [{ actor: "user_a", dbRole: "admin_backend" }, "admin"],
    [{ actor: "user_a", dbRole: "moderator_backend" }, "moderator"],
    [{ actor: "user_a", dbRole: "authenticated_backend" }, "member"],
    [{ actor: null, dbRole: "postgres" }, "setup"],
    [{ actor: "user_a", dbRole: "some_other_role" }, "some_other_role"],
  ])("%o is %s", (entry, name) => expect(roleName(entry)).toBe(name));
});
