import type { RevertedRow, RevertOutcome } from "../../db/revert.server";
import type { Flash } from "../lib/flash.server";

/** What a refused revert shows: a status, a sentence, and the rows in the way. */
export interface RevertRefusal {
  status: 403 | 404 | 409;
  error: string;
  rows: RevertedRow[];
}

const rowsChanged = (n: number) =>
  n === 1 ? "a row it changed has" : `${n.toLocaleString("en-US")} rows it changed have`;

/** A revert's outcome in words: a flash to carry back on success, a refusal otherwise. */
export function describeRevert(
  tx: number,
  outcome: RevertOutcome,
): { flash: Flash } | { refusal: RevertRefusal } {
  switch (outcome.status) {
    case "reverted":
      return { flash: { text: `Undone: transaction ${tx} is reverted.`, undo: outcome.txId } };
    case "nothing":
      return {
        flash: { text: `Transaction ${tx} left nothing to put back: its changes cancel out.` },
      };
    case "not-found":
      return {
        refusal: {
          status: 404,
          error: `Transaction ${tx} does not exist, or it is not one you may see.`,
          rows: [],
        },
      };
    case "forbidden": {
      const why = {
        setup: `Transaction ${tx} was setup work, not something done in Warden, and cannot be reverted here.`,
        hidden: `Transaction ${tx} changed rows you may not see, so you may not revert it.`,
        refused: `Transaction ${tx} changed rows your role may not change, so you may not revert it.`,
      }[outcome.reason];
      return { refusal: { status: 403, error: `${why} Nothing was changed.`, rows: [] } };
    }
    case "conflict":
      if (outcome.reason === "changed") {
        return {
          refusal: {
            status: 409,
            error: `Nothing was reverted: ${rowsChanged(outcome.rows.length)} changed since transaction ${tx}, and a revert never overwrites later changes. Undo those first, or change the rows by hand.`,
            rows: outcome.rows,
          },
        };
      }
      if (outcome.reason === "queue") {
        return {
          refusal: {
            status: 409,
            error: `Transaction ${tx} also claimed, released, escalated or resolved a todo on the review queue, which is not undone, so nothing of it was reverted.`,
            rows: [],
          },
        };
      }
      if (outcome.reason === "reverted") {
        return {
          refusal: {
            status: 409,
            error: `Transaction ${tx} was already reverted, by transaction ${outcome.by}. Nothing was changed.`,
            rows: [],
          },
        };
      }
      return {
        refusal: {
          status: 409,
          error: `Nothing was reverted: a todo it deleted cannot come back as it was (its id is in use again, or its owner has left the organization).`,
          rows: [],
        },
      };
  }
}
