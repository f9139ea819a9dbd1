import { sql } from "drizzle-orm";
import type { ScopedTx } from "./scoped.server";
import { databaseErrorOf, type DatabaseError } from "./sql";

/**
 * Undo, on the server: `warden.revert_transaction` (migrations/0018) puts
 * back what one transaction changed, in the caller's own transaction and
 * under their own policies. Nothing here decides who may revert what; the
 * function's refusals are translated into outcomes a route can answer.
 */

export interface RevertedRow {
  table: "todos" | "todo_reviews";
  id: number;
}

export type RevertOutcome =
  | { status: "reverted"; txId: number }
  | { status: "nothing" }
  | { status: "not-found" }
  | { status: "forbidden"; reason: "setup" | "hidden" | "refused" }
  | { status: "conflict"; reason: "changed"; rows: RevertedRow[] }
  | { status: "conflict"; reason: "reverted"; by: number }
  /** It also claimed, released, escalated or resolved a todo, which a revert does not undo (migrations/0020). */
  | { status: "conflict"; reason: "queue" }
  | { status: "conflict"; reason: "constraint" };

function refusal(error: DatabaseError): RevertOutcome | null {
  switch (error.code) {
    case "WD404":
      return { status: "not-found" };
    case "WD403":
      return {
        status: "forbidden",
        reason: error.hint === "setup" || error.hint === "hidden" ? error.hint : "refused",
      };
    case "WD409":
      if (error.hint === "changed")
        return {
          status: "conflict",
          reason: "changed",
          rows: JSON.parse(error.detail ?? "[]") as RevertedRow[],
        };
      if (error.hint === "reverted")
        return { status: "conflict", reason: "reverted", by: Number(error.detail) };
      if (error.hint === "queue") return { status: "conflict", reason: "queue" };
      return { status: "conflict", reason: "constraint" };
    default:
      return null;
  }
}

export async function revertTransaction(tx: ScopedTx, txId: number): Promise<RevertOutcome> {
  try {
    const { rows } = await tx.execute<{ tx_id: string | null }>(
      sql`select warden.revert_transaction(${txId}) as tx_id`,
    );
    const reverting = rows[0].tx_id;
    return reverting === null
      ? { status: "nothing" }
      : { status: "reverted", txId: Number(reverting) };
  } catch (error) {
    const known = databaseErrorOf(error);
    const outcome = known && refusal(known);
    if (outcome) return outcome;
    throw error;
  }
}

/** The id of the transaction the caller's statements run in, for offering to undo it. */
export async function currentTransactionId(tx: ScopedTx): Promise<number> {
  const { rows } = await tx.execute<{ tx_id: string }>(sql`select txid_current() as tx_id`);
  return Number(rows[0].tx_id);
}
