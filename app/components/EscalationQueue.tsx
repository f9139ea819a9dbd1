import { Link, useFetcher } from "@remix-run/react";
import type { ClaimedEscalation } from "../../db/review-queue.server";
import { Person } from "./Person";
import { BUTTON, ClaimControl, FetcherError, IntentForm, pendingIntent } from "./QueueControls";
import { reasonLabel } from "./ReasonSelect";
import { QueueItem } from "./QueueItem";
import { utcTime } from "./utc-time";

type Escalation = ClaimedEscalation;

function EscalationEntry({
  escalation,
  canResolve,
}: {
  escalation: Escalation;
  canResolve: boolean;
}) {
  const fetcher = useFetcher<{ error?: string }>();
  const takenByOther = escalation.claim !== null && !escalation.claim.mine;
  return (
    <QueueItem
      data-review-item
      data-testid="escalation"
      data-todo-id={escalation.todoId}
      className="px-4 py-3 focus:bg-indigo-50/50 focus:outline-none"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="min-w-0 flex-1 break-words">
          <Link to={`/todos/${escalation.todoId}`} className="hover:underline">
            {escalation.task}
          </Link>
        </span>
        <Person
          id={escalation.owner.id}
          name={escalation.owner.name}
          className="text-xs text-slate-500"
        />
      </div>
      <p className="mt-1 text-xs text-slate-600" data-testid="escalation-reason">
        Escalated by <Person id={escalation.by.id} name={escalation.by.name} /> as{" "}
        {reasonLabel(escalation.reason).toLowerCase()}
        {escalation.note ? <>: “{escalation.note}”</> : null} ·{" "}
        <time dateTime={escalation.createdAt}>{utcTime(escalation.createdAt)}</time>
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-3">
        <ClaimControl fetcher={fetcher} todoId={escalation.todoId} claim={escalation.claim} />
        {canResolve && !takenByOther ? (
          <IntentForm fetcher={fetcher} todoId={escalation.todoId} intent="resolve">
            <button
              type="submit"
              disabled={pendingIntent(fetcher) !== null}
              className={`${BUTTON} bg-indigo-600 text-white hover:bg-indigo-700 focus-visible:outline-indigo-700`}
            >
              {pendingIntent(fetcher) === "resolve" ? "Resolving…" : "Resolve"}
            </button>
          </IntentForm>
        ) : null}
      </div>
      <FetcherError fetcher={fetcher} />
    </QueueItem>
  );
}

/** Open escalations, oldest first: admins resolve them, moderators see what waits on the admins. */
export function EscalationQueue({
  escalations,
  canResolve,
}: {
  escalations: Escalation[];
  canResolve: boolean;
}) {
  return (
    <section aria-labelledby="queue-escalated">
      <h2 id="queue-escalated" className="mb-2 text-lg font-semibold">
        Escalated to admins
      </h2>
      {escalations.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-500">
          No open escalations.
        </p>
      ) : (
        <ul
          className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white shadow-sm"
          aria-label="Escalated to admins"
        >
          {escalations.map((escalation) => (
            <EscalationEntry
              key={escalation.todoId}
              escalation={escalation}
              canResolve={canResolve}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
