import { sql } from "drizzle-orm";
import { liveClaims, type LiveClaim } from "./claims.server";
import { openEscalations, type OpenEscalation } from "./escalations.server";
import {
  flaggedTodos,
  queueCounts,
  unreviewedTodos,
  type QueueCounts,
  type QueueItem,
} from "./reviews.server";
import type { ScopedTx } from "./scoped.server";

/**
 * Everything /review shows, asked at once (one round trip in a scoped
 * read): the counts, the unreviewed and flagged lists, the open escalations,
 * and the live claims, which are laid over the lists.
 */

export interface ClaimedItem extends QueueItem {
  claim: LiveClaim | null;
}

export interface ClaimedEscalation extends OpenEscalation {
  claim: LiveClaim | null;
}

interface ReviewQueue {
  counts: QueueCounts & { escalated: number };
  escalations: ClaimedEscalation[];
  unreviewed: ClaimedItem[];
  flagged: ClaimedItem[];
}

async function openEscalationCount(tx: ScopedTx): Promise<number> {
  const { rows } = await tx.execute<{ n: string }>(
    sql`select count(*) as n from todo_escalations where resolved_at is null`,
  );
  return Number(rows[0].n);
}

const heldByOther = (item: { claim: LiveClaim | null }) => item.claim !== null && !item.claim.mine;

/** Items someone else has claimed go last: the queue offers the rest first. */
const othersClaimsLast = <T extends { claim: LiveClaim | null }>(items: T[]): T[] => [
  ...items.filter((item) => !heldByOther(item)),
  ...items.filter(heldByOther),
];

export async function readReviewQueue(tx: ScopedTx, limit: number): Promise<ReviewQueue> {
  const [counts, unreviewed, flagged, escalations, escalated, claims] = await Promise.all([
    queueCounts(tx),
    unreviewedTodos(tx, limit),
    flaggedTodos(tx, limit),
    openEscalations(tx, limit),
    openEscalationCount(tx),
    liveClaims(tx),
  ]);
  const claimOn = new Map(claims.map((claim) => [claim.todoId, claim]));
  const claimOf = (todoId: number) => claimOn.get(todoId) ?? null;
  const items = (rows: QueueItem[]) =>
    othersClaimsLast(rows.map((row) => ({ ...row, claim: claimOf(row.id) })));
  return {
    counts: { ...counts, escalated },
    escalations: othersClaimsLast(
      escalations.map((escalation) => ({ ...escalation, claim: claimOf(escalation.todoId) })),
    ),
    unreviewed: items(unreviewed),
    flagged: items(flagged),
  };
}
