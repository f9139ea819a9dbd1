import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData, useLocation } from "@remix-run/react";
import { listAudit } from "../../db/audit.server";
import { AUDIT_ACTIONS, type AuditAction } from "../../db/limits";
import { auditParams, auditSearch } from "../audit/params.server";
import { requireIdentity } from "../auth/request.server";
import { AuditEntry } from "../components/AuditEntry";
import { EmptyState } from "../components/EmptyState";
import { ExportLinks } from "../components/ExportLinks";
import { FlashMessage } from "../components/FlashMessage";
import {
  FIELD_CLASS,
  FilterField,
  FilterForm,
  optionsOf,
  SelectField,
} from "../components/FilterForm";
import { Pagination } from "../components/Pagination";
import { requireCapability } from "../lib/capability.server";
import { readSearch } from "../lib/edge.server";
import { readFlash } from "../lib/flash.server";
import { requireQuery } from "../lib/form.server";
import { scopedRead } from "../lib/scoped.server";

const ACTION_LABELS: Record<AuditAction, string> = {
  insert: "Insert",
  update: "Update",
  delete: "Delete",
};

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

export const meta: MetaFunction = () => [{ title: "Audit log · Warden" }];

export async function loader(args: LoaderFunctionArgs) {
  const identity = await requireIdentity(args);
  requireCapability(identity, "readAudit");
  const query = requireQuery(auditParams, readSearch(args.request));
  const flash = await readFlash(args.request);
  const page = await scopedRead(identity, (tx) => listAudit(tx, query));
  const loaded = {
    flash: flash.message,
    entries: page.rows,
    filters: {
      actor: query.actor ?? "",
      todo: query.todoId ? String(query.todoId) : "",
      tx: query.txId ? String(query.txId) : "",
      action: query.action ?? "",
      from: query.from ?? "",
      to: query.to ?? "",
    },
    links: {
      first: auditSearch(query),
      next: page.next ? auditSearch(query, { after: page.next }) : null,
      previous: page.previous ? auditSearch(query, { before: page.previous }) : null,
    },
  };
  return data(loaded, flash.clear ? { headers: { "Set-Cookie": flash.clear } } : undefined);
}

export default function AuditPage() {
  const { entries, filters, links, flash } = useLoaderData<typeof loader>();
  const location = useLocation();
  const back = location.pathname + location.search;
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold">Audit log</h1>
        <p className="text-sm text-slate-600">
          Every change to todos and reviews, written by database triggers. Newest first; nobody can
          edit or delete an entry.
        </p>
      </div>
      <FlashMessage flash={flash} />
      <FilterForm path="/audit" label="Filter the audit log">
        <FilterField label="Actor">
          <input
            name="actor"
            defaultValue={filters.actor}
            placeholder="user_…"
            className={FIELD_CLASS}
          />
        </FilterField>
        <FilterField label="Todo id">
          <input
            name="todo"
            inputMode="numeric"
            defaultValue={filters.todo}
            className={`${FIELD_CLASS} w-24`}
          />
        </FilterField>
        <FilterField label="Transaction">
          <input
            name="tx"
            inputMode="numeric"
            defaultValue={filters.tx}
            className={`${FIELD_CLASS} w-28`}
          />
        </FilterField>
        <SelectField
          label="Action"
          name="action"
          value={filters.action}
          options={[["", "Any"], ...optionsOf(AUDIT_ACTIONS, ACTION_LABELS)]}
        />
        <FilterField label="From">
          <input type="date" name="from" defaultValue={filters.from} className={FIELD_CLASS} />
        </FilterField>
        <FilterField label="To">
          <input type="date" name="to" defaultValue={filters.to} className={FIELD_CLASS} />
        </FilterField>
      </FilterForm>
      <ExportLinks
        links={[
          ["Export CSV", `/audit/export.csv${links.first}`],
          ["Export NDJSON", `/audit/export.ndjson${links.first}`],
        ]}
      />
      {entries.length === 0 ? (
        <EmptyState>
          {Object.values(filters).some(Boolean)
            ? "No audit entries match these filters. Change them, or Clear to see all."
            : "Nothing recorded yet: changes to todos and reviews show here."}
        </EmptyState>
      ) : (
        <ol
          className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white shadow-sm"
          aria-label="Audit entries"
        >
          {entries.map((entry, index) => (
            <AuditEntry
              key={entry.id}
              entry={entry}
              revert={entry.actor && entries[index - 1]?.txId !== entry.txId ? { back } : undefined}
            />
          ))}
        </ol>
      )}
      <Pagination links={links} path="/audit" />
    </div>
  );
}
