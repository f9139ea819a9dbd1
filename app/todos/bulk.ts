import type { BulkAction } from "../../db/limits";

/** The bulk form's own route, apart from the rows' forms on /todos. */
export const BULK_PATH = "/todos/bulk";

/** What POST /todos/bulk asks before it acts, and what the confirmation form posts back. */
export interface BulkConfirmation {
  action: BulkAction;
  count: number;
  scope: "selected" | "filter";
  ids: number[];
  owner?: string;
  /** The new owner's name, as the directory has it. */
  ownerName?: string;
}

/** POST /todos/bulk's answer when it does not redirect: a refusal, or a question. */
export type BulkActionData =
  { intent: "bulk"; error: string } | { intent: "bulk"; confirm: BulkConfirmation };
