import {
  claimTodo,
  releaseClaim,
  type ClaimOutcome,
  type ReleaseOutcome,
} from "../../db/claims.server";
import type { PersonRef } from "../../db/directory/people.server";
import {
  escalateTodo,
  resolveEscalation,
  type EscalateOutcome,
  type ResolveOutcome,
} from "../../db/escalations.server";
import { recordReview, type ReviewOutcome } from "../../db/reviews.server";
import type { ScopedTx } from "../../db/scoped.server";
import type { ReviewIntent } from "./intents.server";

/** What POST /review did, whichever intent it carried: one scoped call each. */
export type QueueOutcome =
  ReviewOutcome | ClaimOutcome | ReleaseOutcome | EscalateOutcome | ResolveOutcome;

export function runQueueIntent(
  tx: ScopedTx,
  intent: ReviewIntent,
  claimMinutes: number,
): Promise<QueueOutcome> {
  switch (intent.intent) {
    case "review":
      return recordReview(tx, {
        todoId: intent.id,
        verdict: intent.verdict,
        reason: intent.reason,
        note: intent.note,
      });
    case "claim":
      return claimTodo(tx, { todoId: intent.id, minutes: claimMinutes });
    case "release":
      return releaseClaim(tx, intent.id);
    case "escalate":
      return escalateTodo(tx, { todoId: intent.id, reason: intent.reason, note: intent.note });
    case "resolve":
      return resolveEscalation(tx, intent.id);
  }
}

export interface QueueRefusal {
  status: 403 | 404 | 409;
  error: string;
}

const named = (person: PersonRef) => person.name ?? "a former member";

// A release only ever deletes the caller's own claim, so it never meets separation of duties.
const OWN_TODO: Record<Exclude<ReviewIntent["intent"], "release">, string> = {
  review: "You cannot record a verdict on your own todo; another moderator reviews it.",
  claim: "You cannot claim your own todo; another moderator reviews it.",
  escalate: "You cannot escalate your own todo; another moderator reviews it.",
  resolve: "You cannot resolve the escalation of your own todo; another admin does.",
};

/** The refusal to answer with, or null when the intent went through. */
export function queueRefusal(
  intent: ReviewIntent["intent"],
  outcome: QueueOutcome,
): QueueRefusal | null {
  switch (outcome.status) {
    case "recorded":
    case "claimed":
    case "released":
    case "escalated":
    case "resolved":
      return null;
    case "taken":
      return {
        status: 409,
        error:
          intent === "claim"
            ? `Already claimed by ${named(outcome.by)}.`
            : `${named(outcome.by)} has claimed this todo; it is theirs to review until they release it or the claim runs out.`,
      };
    case "missing":
      return {
        status: 404,
        error:
          intent === "resolve"
            ? "Not found: that todo has no open escalation."
            : "Not found: that todo no longer exists.",
      };
    case "own-todo":
      return { status: 403, error: OWN_TODO[intent as keyof typeof OWN_TODO] };
    case "not-held":
      return { status: 409, error: "You hold no claim on that todo: it may have run out." };
    case "escalated-already":
      return { status: 409, error: "That todo is already escalated to the admins." };
  }
}

/** What a queue action that went through says, in the message after the redirect. */
export function queueDone(intent: ReviewIntent): string {
  switch (intent.intent) {
    case "review":
      return intent.verdict === "approved"
        ? `Approved todo #${intent.id}.`
        : `Flagged todo #${intent.id} as ${intent.reason}.`;
    case "claim":
      return `Claimed todo #${intent.id}: it is yours to review.`;
    case "release":
      return `Released todo #${intent.id}.`;
    case "escalate":
      return `Escalated todo #${intent.id} to the admins.`;
    case "resolve":
      return `Resolved the escalation of todo #${intent.id}.`;
  }
}
