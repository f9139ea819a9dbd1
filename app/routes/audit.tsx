import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { listAudit } from "../../db/audit.server";
import { auditSearch, parseAuditParams } from "../audit/params.server";
import { requireSessionToken } from "../auth/request.server";
import { AuditEntry } from "../components/AuditEntry";
import { Pagination } from "../components/Pagination";
import { requireCapability } from "../lib/capability.server";
import { scoped } from "../lib/scoped.server";

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

export const meta: MetaFunction = () => [{ title: "Audit log · Warden" }];

export async function loader(args: LoaderFunctionArgs) {
  const token = await requireSessionToken(args);
  const params = parseAuditParams(new URL(args.request.url).searchParams);
  return json(
    await scoped(token, async (tx, identity) => {
      requireCapability(identity, "readAudit");
      if (!params.ok) throw json({ message: params.error }, { status: 400 });
      const query = params.value;
      const page = await listAudit(tx, query);
      return {
        entries: page.rows,
        filters: { actor: query.actor ?? "", todo: query.todoId ? String(query.todoId) : "", action: query.action ?? "", from: query.from ?? "", to: query.to ?? "" },
        links: {
          first: auditSearch(query),
          next: page.next ? auditSearch(query, { after: page.next }) : null,
          previous: page.previous ? auditSearch(query, { before: page.previous }) : null,
        },
      };
    }),
  );
}

const field = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";

export default function AuditPage() {
  const { entries, filters, links } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold">Audit log</h1>
        <p className="text-sm text-slate-600">Every change to todos and reviews, written by database triggers. Newest first; nobody can edit or delete an entry.</p>
      </div>
      <Form method="get" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-sm" aria-label="Filter the audit log">
        <label className="flex flex-col text-xs font-medium text-slate-600">
          Actor
          <input name="actor" defaultValue={filters.actor} placeholder="user_…" className={field} />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600">
          Todo id
          <input name="todo" inputMode="numeric" defaultValue={filters.todo} className={`${field} w-24`} />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600">
          Action
          <select name="action" defaultValue={filters.action} className={field}>
            <option value="">Any</option>
            <option value="insert">Insert</option>
            <option value="update">Update</option>
            <option value="delete">Delete</option>
          </select>
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600">
          From
          <input type="date" name="from" defaultValue={filters.from} className={field} />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-600">
          To
          <input type="date" name="to" defaultValue={filters.to} className={field} />
        </label>
        <button type="submit" className="rounded-md bg-slate-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-900">
          Apply
        </button>
        <Link to="/audit" className="py-1.5 text-sm text-slate-600 hover:underline">
          Clear
        </Link>
      </Form>
      {entries.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-500">No audit entries match.</p>
      ) : (
        <ol className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white shadow-sm" aria-label="Audit entries">
          {entries.map((entry) => (
            <AuditEntry key={entry.id} entry={entry} />
          ))}
        </ol>
      )}
      <Pagination links={links} path="/audit" />
    </div>
  );
}
