import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { readTodoHistory } from "../../db/timeline.server";
import { requireIdentity } from "../auth/request.server";
import { Person } from "../components/Person";
import { Timeline } from "../components/Timeline";
import { VerdictBadge } from "../components/VerdictBadge";
import { readSearch } from "../lib/edge.server";
import { requireQuery } from "../lib/form.server";
import { scopedRead } from "../lib/scoped.server";
import { timelineParams } from "../todos/timeline-params.server";

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

/** One answer for a todo in another tenant, someone else's, and one that never existed: none of them may tell which. */
const NOT_FOUND = "Not found: that todo does not exist or is not yours to see.";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.todo?.task ?? (data ? `Todo #${data.id}` : "Todo")} · Warden` },
];

export async function loader(args: LoaderFunctionArgs) {
  const identity = await requireIdentity(args);
  const fields = readSearch(args.request);
  fields.set("id", args.params.id ?? "");
  const { id, before } = requireQuery(timelineParams, fields);
  const history = await scopedRead(identity, (tx) => readTodoHistory(tx, id, before));
  if (!history) throw data({ message: NOT_FOUND }, { status: 404 });
  return { id, paged: before !== undefined, ...history };
}

const linkClass =
  "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50";

export default function TodoPage() {
  const { id, paged, todo, fate, lastTask, entries, older } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-5">
      <Link to="/todos" className="text-sm text-indigo-700 hover:underline">
        ← Todos
      </Link>
      {todo ? (
        <div className="space-y-1">
          <h1
            className={`wrap-anywhere text-2xl font-semibold ${todo.isComplete ? "text-slate-500 line-through" : ""}`}
            data-testid="todo-page-task"
          >
            {todo.task}
          </h1>
          <p className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <span className="font-mono">#{todo.id}</span>
            <span aria-hidden="true">·</span>
            <span data-testid="todo-page-status">{todo.isComplete ? "complete" : "open"}</span>
            <span aria-hidden="true">·</span>
            <span>
              owner <Person id={todo.userId} name={todo.ownerName} testId="todo-owner" />
            </span>
            <VerdictBadge verdict={todo.verdict} />
          </p>
          {todo.verdict && todo.reviewerId ? (
            <p className="text-xs text-slate-600" data-testid="review-note">
              {todo.verdict === "flagged" ? "Flagged" : "Approved"} by{" "}
              <Person id={todo.reviewerId} name={todo.reviewerName} testId="reviewer" />
              {todo.verdictNote ? <>: “{todo.verdictNote}”</> : null}
            </p>
          ) : null}
        </div>
      ) : (
        <div className="space-y-2">
          <h1 className="text-2xl font-semibold">Todo #{id}</h1>
          {fate === "deleted" ? (
            <p
              role="status"
              className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800"
              data-testid="todo-deleted"
            >
              This todo was deleted.
              {lastTask !== null ? <> Its last text was “{lastTask}”.</> : null}
            </p>
          ) : (
            <p
              role="status"
              className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700"
              data-testid="todo-hidden"
            >
              You no longer see this todo. The history below is what you did to it yourself.
            </p>
          )}
        </div>
      )}
      <section aria-labelledby="timeline-heading" className="space-y-3">
        <h2 id="timeline-heading" className="text-lg font-semibold">
          History{" "}
          {paged ? (
            <span className="text-sm font-normal text-slate-500">(older entries)</span>
          ) : null}
        </h2>
        <Timeline entries={entries} />
      </section>
      {paged || older ? (
        <nav aria-label="Timeline pages" className="flex items-center justify-between gap-2">
          {paged ? (
            <Link to={`/todos/${id}`} className={linkClass}>
              « Newest entries
            </Link>
          ) : (
            <span />
          )}
          {older ? (
            <Link to={`/todos/${id}?before=${older}`} className={linkClass} rel="next">
              Older entries ›
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
