import type { LoaderFunctionArgs } from "@remix-run/node";
import { listAudit, type AuditQuery, type AuditRow } from "../../db/audit.server";
import type { Identity } from "../../roles/identity";
import { requireIdentity } from "../auth/request.server";
import { requireCapability } from "../lib/capability.server";
import { readSearch } from "../lib/edge.server";
import {
  malformedFilter,
  streamExport,
  type Columns,
  type ExportFormat,
} from "../lib/export.server";
import { parseFields } from "../lib/form.server";
import { auditParams } from "./params.server";

const AUDIT_COLUMNS: Columns<AuditRow> = {
  id: (entry) => entry.id,
  occurred_at: (entry) => entry.occurredAt,
  tx_id: (entry) => entry.txId,
  actor: (entry) => entry.actor,
  actor_name: (entry) => entry.actorName,
  db_role: (entry) => entry.dbRole,
  action: (entry) => entry.action,
  table_name: (entry) => entry.tableName,
  row_id: (entry) => entry.rowId,
  todo_id: (entry) => entry.todoId,
  before: (entry) => entry.before,
  after: (entry) => entry.after,
  reverts_tx_id: (entry) => entry.revertsTxId,
};

/** The filtered log, newest first like /audit, read by id in chunks from the newest whatever page the view was on. */
export function exportAudit(
  identity: Identity,
  query: AuditQuery,
  format: ExportFormat,
  chunkRows?: number,
): Promise<Response> {
  return streamExport<AuditRow, number>(identity, {
    name: "audit",
    format,
    columns: AUDIT_COLUMNS,
    chunkRows,
    read: (tx, after, limit) =>
      listAudit(tx, { ...query, after: after ?? undefined, before: undefined }, limit),
  });
}

/** `/audit/export.csv` and `.ndjson`: admins only and the filter as /audit checks them, in the same order. */
export const auditExportLoader = (format: ExportFormat) => async (args: LoaderFunctionArgs) => {
  const identity = await requireIdentity(args);
  requireCapability(identity, "readAudit");
  const params = parseFields(auditParams, readSearch(args.request));
  if (!params.ok) throw malformedFilter(params.error);
  return exportAudit(identity, params.value, format);
};
