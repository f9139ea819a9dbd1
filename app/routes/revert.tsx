import { data, redirect, type ActionFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData } from "@remix-run/react";
import { revertTransaction } from "../../db/revert.server";
import { requireIdentity } from "../auth/request.server";
import { readForm, requireMutation } from "../lib/edge.server";
import { setFlash } from "../lib/flash.server";
import { parseForm } from "../lib/form.server";
import { scopedAtOnce } from "../lib/scoped.server";
import { DEFAULT_BACK, revertForm } from "../revert/form.server";
import { describeRevert, type RevertRefusal } from "../revert/outcome.server";

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

export const meta: MetaFunction = () => [{ title: "Undo · Warden" }];

/** Nothing to load: this page only ever shows a refused revert. (A redirect here would also run after every post.) */
export const loader = () => null;

type RevertActionData = Omit<RevertRefusal, "status"> & { back: string };

/**
 * POST /revert: undo one transaction (decision 019). Who may revert what is
 * the database's answer alone; a plain form post, so it works without
 * JavaScript, and a refusal is a page of its own that says why.
 */
export async function action(args: ActionFunctionArgs) {
  requireMutation(args.request);
  const identity = await requireIdentity(args);
  const parsed = parseForm(
    revertForm,
    await readForm(args.request),
    ({ error }): RevertActionData => ({ error, rows: [], back: DEFAULT_BACK }),
  );
  if (!parsed.ok) return parsed.response;
  const { tx, back } = parsed.value;
  const outcome = await scopedAtOnce(identity, (scope) => revertTransaction(scope, tx));
  const described = describeRevert(tx, outcome);
  if ("flash" in described)
    return redirect(back, {
      status: 303,
      headers: { "Set-Cookie": await setFlash(args.request, described.flash) },
    });
  const { status, ...refusal } = described.refusal;
  return data<RevertActionData>({ ...refusal, back }, { status });
}

export default function RevertPage() {
  const data = useActionData<typeof action>();
  if (!data) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Undo</h1>
        <p className="text-sm text-slate-600">
          Undo works from the message after an action, or from a transaction in the audit log.
        </p>
        <Link
          to={DEFAULT_BACK}
          className="inline-block rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50"
        >
          Back to todos
        </Link>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Nothing was undone</h1>
      <p
        role="alert"
        className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-700"
        data-testid="revert-error"
      >
        {data.error}
      </p>
      {data.rows.length ? (
        <ul
          className="list-inside list-disc text-sm"
          aria-label="Rows changed since"
          data-testid="revert-conflicts"
        >
          {data.rows.map((row) => (
            <li key={`${row.table}-${row.id}`}>
              {row.table === "todos" ? (
                <Link to={`/todos/${row.id}`} className="text-indigo-700 underline">
                  todo #{row.id}
                </Link>
              ) : (
                `review #${row.id}`
              )}
            </li>
          ))}
        </ul>
      ) : null}
      <Link
        to={data.back}
        className="inline-block rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50"
      >
        Back
      </Link>
    </div>
  );
}
