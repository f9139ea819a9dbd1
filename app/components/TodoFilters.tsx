import { Form, Link, useNavigation } from "@remix-run/react";

export interface FilterValues {
  owner?: string;
  status?: string;
  verdict?: string;
  q?: string;
  sort: string;
}

const field = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";

/** A GET form: the filters live in the URL, with or without JavaScript. */
export function TodoFilters({ values, showOwner }: { values: FilterValues; showOwner: boolean }) {
  const navigation = useNavigation();
  const loading = navigation.state === "loading" && navigation.location.pathname === "/todos";
  return (
    <Form method="get" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-sm" aria-label="Filter todos">
      <label className="flex flex-col text-xs font-medium text-slate-600">
        Search
        <input type="search" name="q" defaultValue={values.q ?? ""} placeholder="Task contains…" className={field} />
      </label>
      {showOwner ? (
        <label className="flex flex-col text-xs font-medium text-slate-600">
          Owner
          <input name="owner" defaultValue={values.owner ?? ""} placeholder="user_…" className={field} />
        </label>
      ) : null}
      <label className="flex flex-col text-xs font-medium text-slate-600">
        Status
        <select name="status" defaultValue={values.status ?? ""} className={field}>
          <option value="">Any</option>
          <option value="open">Open</option>
          <option value="complete">Complete</option>
        </select>
      </label>
      <label className="flex flex-col text-xs font-medium text-slate-600">
        Verdict
        <select name="verdict" defaultValue={values.verdict ?? ""} className={field}>
          <option value="">Any</option>
          <option value="unreviewed">Unreviewed</option>
          <option value="approved">Approved</option>
          <option value="flagged">Flagged</option>
        </select>
      </label>
      <label className="flex flex-col text-xs font-medium text-slate-600">
        Sort
        <select name="sort" defaultValue={values.sort} className={field}>
          <option value="newest">Newest first</option>
          <option value="oldest">Oldest first</option>
        </select>
      </label>
      <button type="submit" className="rounded-md bg-slate-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
        {loading ? "Filtering…" : "Apply"}
      </button>
      <Link to="/todos" className="py-1.5 text-sm text-slate-600 hover:underline">
        Clear
      </Link>
    </Form>
  );
}
