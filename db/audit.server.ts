import { sql, type SQL } from "drizzle-orm";
import { joinPerson, personName } from "./directory/people.server";
import { isBackwards, keysetPage, type KeysetPage } from "./keyset";
import type { AuditAction } from "./limits";
import type { ScopedTx } from "./scoped.server";

/**
 * Reading the audit log. No role check here either: for anyone but an admin
 * the policies return no rows at all.
 */

export const AUDIT_PAGE_SIZE = 50;

export interface AuditQuery {
  actor?: string;
  todoId?: number;
  /** One transaction's entries. */
  txId?: number;
  action?: AuditAction;
  /** Inclusive dates, YYYY-MM-DD, in UTC. */
  from?: string;
  to?: string;
  after?: number;
  before?: number;
}

export interface AuditRow {
  id: number;
  occurredAt: string;
  txId: number;
  actor: string | null;
  /** Null for setup work (no actor) and for a former member. */
  actorName: string | null;
  dbRole: string;
  action: AuditAction;
  tableName: string;
  rowId: number;
  todoId: number | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Set when the entry's transaction was a revert the caller may read of (audit.transactions' policies). */
  revertsTxId: number | null;
}

/** An entry as the log's queries select it, the actor's name joined in as `actor_name`. */
export type RawAudit = {
  id: string;
  occurred_at: string;
  tx_id: string;
  actor: string | null;
  actor_name: string | null;
  db_role: string;
  action: AuditAction;
  table_name: string;
  row_id: string;
  todo_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reverts_tx_id: string | null;
};

export const toAuditRow = (row: RawAudit): AuditRow => ({
  id: Number(row.id),
  occurredAt: row.occurred_at,
  txId: Number(row.tx_id),
  actor: row.actor,
  actorName: row.actor_name,
  dbRole: row.db_role,
  action: row.action,
  tableName: row.table_name,
  rowId: Number(row.row_id),
  todoId: row.todo_id === null ? null : Number(row.todo_id),
  before: row.before,
  after: row.after,
  revertsTxId: row.reverts_tx_id === null ? null : Number(row.reverts_tx_id),
});

/** A page of the log, newest first; exports read it in larger chunks (`limit`), walking `after`. */
export async function listAudit(
  tx: ScopedTx,
  query: AuditQuery,
  limit = AUDIT_PAGE_SIZE,
): Promise<KeysetPage<AuditRow, number>> {
  const conditions: SQL[] = [];
  if (query.actor) conditions.push(sql`a.actor = ${query.actor}`);
  if (query.todoId) conditions.push(sql`a.todo_id = ${query.todoId}`);
  if (query.txId) conditions.push(sql`a.tx_id = ${query.txId}`);
  if (query.action) conditions.push(sql`a.action = ${query.action}::audit.audit_action`);
  if (query.from)
    conditions.push(sql`a.occurred_at >= ${query.from}::date::timestamp at time zone 'UTC'`);
  if (query.to)
    conditions.push(sql`a.occurred_at < (${query.to}::date + 1)::timestamp at time zone 'UTC'`);
  if (query.after !== undefined) conditions.push(sql`a.id < ${query.after}`);
  else if (query.before !== undefined) conditions.push(sql`a.id > ${query.before}`);
  const where = conditions.length ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  // ids grow with time, so id order is newest-first order and a keyset.
  const direction = isBackwards(query) ? sql.raw("asc") : sql.raw("desc");
  const { rows } = await tx.execute<RawAudit>(sql`
    select a.id, a.occurred_at::text as occurred_at, a.tx_id, a.actor, ${personName("actor_user")} as actor_name, a.db_role, a.action, a.table_name, a.row_id, a.todo_id, a.before, a.after, t.reverts_tx_id
    from audit.audit_log a
    left join audit.transactions t on t.tx_id = a.tx_id and t.tenant_id = a.tenant_id
    ${joinPerson("actor_user", sql`a.actor`)}
    ${where}
    order by a.id ${direction}
    limit ${limit + 1}`);
  return keysetPage(rows.map(toAuditRow), limit, query, (row) => row.id);
}
