import { sql, type SQL } from "drizzle-orm";
import { BULK_LIMIT, type BulkAction } from "./limits";
import { findMember, memberName, type Member } from "./directory/people.server";
import { bigintArray, databaseErrorOf } from "./sql";
import { filterWhere, type TodoFilter } from "./todo-list.server";
import type { ScopedTx } from "./scoped.server";

/**
 * Bulk edits: a fixed few set-based statements in the caller's one
 * transaction, whatever the number of rows, all-or-nothing. There is no role
 * check here: run as a member or moderator, the same statements change only
 * the rows their policies let them change.
 */

export type BulkTarget = { ids: number[] } | { filter: TodoFilter };
export type BulkRequest =
  | { action: Exclude<BulkAction, "reassign">; target: BulkTarget }
  | { action: "reassign"; target: BulkTarget; owner: string };

/** What asking first shows: the rows the action covers and, for reassign, who gets them. */
export interface BulkPreview {
  count: number;
  owner?: Member;
}

/**
 * `ownerName`, for reassign: the new owner's name, null if the directory has
 * none to show. `txId`: the transaction the rows changed in, to offer undo.
 */
export interface BulkOutcome {
  changed: number;
  txId: number;
  ownerName?: string | null;
}

export class BulkTooLarge extends Error {
  constructor(readonly count: number) {
    super(`${count} rows exceed the bulk limit of ${BULK_LIMIT}`);
  }
}

/** The new owner is not a live member of the active organization. */
export class NotAMember extends Error {
  constructor(readonly owner: string) {
    super(`${owner} is not a member of this organization`);
  }
}

/** The target as a WHERE clause over `todos t`: the selected ids, or the filter itself. */
function targetWhere(target: BulkTarget, extra: SQL[] = []): SQL {
  if ("ids" in target)
    return sql`where ${sql.join([sql`t.id = any(${bigintArray(target.ids)})`, ...extra], sql` and `)}`;
  return filterWhere(target.filter, extra);
}

/** How many rows the target covers, as the caller sees them: exact up to the limit, and no further than one past it. */
async function countTarget(tx: ScopedTx, target: BulkTarget): Promise<number> {
  const { rows } = await tx.execute<{ n: string }>(
    sql`select count(*) as n from (select 1 from todos t ${targetWhere(target)} limit ${BULK_LIMIT + 1}) target`,
  );
  return Number(rows[0].n);
}

/** The row limit, before anything is written: how many rows the target covers. */
async function checkLimit(tx: ScopedTx, target: BulkTarget): Promise<number> {
  if ("ids" in target && target.ids.length > BULK_LIMIT) throw new BulkTooLarge(target.ids.length);
  const count = await countTarget(tx, target);
  if (count > BULK_LIMIT) throw new BulkTooLarge(count);
  return count;
}

/**
 * What asking first needs: how many rows the action would change and, for
 * reassign, who the new owner is. A non-member is refused here, before anyone
 * is asked to confirm; the database refuses them again when the rows move.
 */
export async function previewBulk(tx: ScopedTx, request: BulkRequest): Promise<BulkPreview> {
  if (request.action !== "reassign") return { count: await checkLimit(tx, request.target) };
  const [count, owner] = await Promise.all([
    checkLimit(tx, request.target),
    findMember(tx, request.owner),
  ]);
  if (!owner) throw new NotAMember(request.owner);
  return { count, owner };
}

/** The trigger's refusal of an owner who is not a live member of the todo's organization (migrations/0010). */
function isOwnerNotMember(error: unknown): boolean {
  const cause = databaseErrorOf(error);
  return cause?.code === "23503" && cause.constraint === "todos_owner_is_member";
}

/**
 * Moves the rows and names the new owner in one statement. Whether they may
 * own the rows is the database's call: its trigger refuses a non-member.
 */
async function reassign(tx: ScopedTx, target: BulkTarget, owner: string): Promise<BulkOutcome> {
  let outcome: BulkOutcome;
  try {
    const { rows } = await tx.execute<{
      changed: string;
      tx_id: string;
      owner_name: string | null;
    }>(sql`
      with moved as (update todos t set user_id = ${owner} ${targetWhere(target, [sql`t.user_id <> ${owner}`])} returning 1)
      select (select count(*) from moved) as changed, txid_current() as tx_id, ${memberName(owner)} as owner_name`);
    outcome = {
      changed: Number(rows[0].changed),
      txId: Number(rows[0].tx_id),
      ownerName: rows[0].owner_name,
    };
  } catch (error) {
    if (isOwnerNotMember(error)) throw new NotAMember(owner);
    throw error;
  }
  // With no row to move the trigger never ran: "reassigned 0 todos" to a stranger would pass for a success.
  if (outcome.changed === 0 && outcome.ownerName === null) throw new NotAMember(owner);
  return outcome;
}

/** `limitChecked`: this transaction has already counted the target against the limit (`previewBulk`). */
export async function runBulk(
  tx: ScopedTx,
  request: BulkRequest,
  limitChecked = false,
): Promise<BulkOutcome> {
  if (!limitChecked) await checkLimit(tx, request.target);
  const { target } = request;
  // Rows already in the wanted state are left alone: "changed" means changed, one audit entry each.
  let outcome: BulkOutcome;
  if (request.action === "reassign") {
    outcome = await reassign(tx, target, request.owner);
  } else {
    const statement =
      request.action === "delete"
        ? sql`delete from todos t ${targetWhere(target)} returning 1`
        : sql`update todos t set is_complete = ${request.action === "complete"} ${targetWhere(target, [sql`t.is_complete <> ${request.action === "complete"}`])} returning 1`;
    // The transaction id rides with the write, in the same statement: no extra round trip.
    const { rows } = await tx.execute<{ changed: string; tx_id: string }>(
      sql`with changed as (${statement}) select count(*) as changed, txid_current() as tx_id from changed`,
    );
    outcome = { changed: Number(rows[0].changed), txId: Number(rows[0].tx_id) };
  }
  // The count above and this statement see different snapshots; never let a race exceed the limit.
  if (outcome.changed > BULK_LIMIT) throw new BulkTooLarge(outcome.changed);
  return outcome;
}
