import { sql, type SQL } from "drizzle-orm";
import { BULK_LIMIT, type BulkAction } from "./limits";
import { bigintArray } from "./sql";
import { filterWhere, type TodoFilter } from "./todo-list.server";
import type { ScopedTx } from "./scoped.server";

/**
 * Bulk edits: a fixed few set-based statements in the caller's one
 * transaction, whatever the number of rows, all-or-nothing. There is no role
 * check here: run as a member or moderator, the same statements change only
 * the rows their policies let them change.
 */

export type BulkTarget = { ids: number[] } | { filter: TodoFilter };
export type BulkRequest = { action: Exclude<BulkAction, "reassign">; target: BulkTarget } | { action: "reassign"; target: BulkTarget; owner: string };

export class BulkTooLarge extends Error {
  constructor(readonly count: number) {
    super(`${count} rows exceed the bulk limit of ${BULK_LIMIT}`);
  }
}

export class UnknownOwner extends Error {
  constructor(readonly owner: string) {
    super(`unknown owner ${owner}`);
  }
}

/** The target as a WHERE clause over `todos t`: the selected ids, or the filter itself. */
function targetWhere(target: BulkTarget, extra: SQL[] = []): SQL {
  if ("ids" in target) return sql`where ${sql.join([sql`t.id = any(${bigintArray(target.ids)})`, ...extra], sql` and `)}`;
  return filterWhere(target.filter, extra);
}

/** How many rows the target covers, as the caller sees them. */
async function countTarget(tx: ScopedTx, target: BulkTarget): Promise<number> {
  const { rows } = await tx.execute<{ n: string }>(sql`select count(*) as n from todos t ${targetWhere(target)}`);
  return Number(rows[0].n);
}

/** An owner is known when someone already owns a todo under that id (as far as the caller can see). */
/**
 * The best evidence of membership the database holds until there is a
 * directory: the new owner already owns a todo the caller can see, which the
 * policies confine to the active organization.
 */
async function ownerIsKnown(tx: ScopedTx, owner: string): Promise<boolean> {
  const { rows } = await tx.execute<{ known: boolean }>(sql`select exists (select 1 from todos where user_id = ${owner}) as known`);
  return rows[0].known;
}

/**
 * Everything that can refuse a bulk action before it writes: the row limit
 * and, for reassign, the new owner. Returns how many rows the target covers.
 */
export async function checkBulk(tx: ScopedTx, request: BulkRequest): Promise<number> {
  if ("ids" in request.target && request.target.ids.length > BULK_LIMIT) throw new BulkTooLarge(request.target.ids.length);
  const count = await countTarget(tx, request.target);
  if (count > BULK_LIMIT) throw new BulkTooLarge(count);
  if (request.action === "reassign" && !(await ownerIsKnown(tx, request.owner))) throw new UnknownOwner(request.owner);
  return count;
}

export async function runBulk(tx: ScopedTx, request: BulkRequest): Promise<{ changed: number }> {
  await checkBulk(tx, request);
  const { target } = request;
  // Rows already in the wanted state are left alone: "changed" means changed, one audit entry each.
  const statement =
    request.action === "delete"
      ? sql`delete from todos t ${targetWhere(target)}`
      : request.action === "reassign"
        ? sql`update todos t set user_id = ${request.owner} ${targetWhere(target, [sql`t.user_id <> ${request.owner}`])}`
        : sql`update todos t set is_complete = ${request.action === "complete"} ${targetWhere(target, [sql`t.is_complete <> ${request.action === "complete"}`])}`;
  const result = await tx.execute(statement);
  const changed = result.rowCount ?? 0;
  // The count above and this statement see different snapshots; never let a race exceed the limit.
  if (changed > BULK_LIMIT) throw new BulkTooLarge(changed);
  return { changed };
}
