import { Link, useFetcher } from "@remix-run/react";
import { useRef, type RefObject } from "react";
import type { ClaimedItem } from "../../db/review-queue.server";
import { Person } from "./Person";
import {
  BUTTON,
  ClaimControl,
  EscalateControl,
  FetcherError,
  NoteField,
  pendingIntent,
  type QueueFetcher,
} from "./QueueControls";
import { ReasonSelect, reasonLabel } from "./ReasonSelect";
import { QueueItem } from "./QueueItem";
import { VerdictBadge } from "./VerdictBadge";

type Item = ClaimedItem;

function VerdictForm({
  fetcher,
  item,
  formRef,
}: {
  fetcher: QueueFetcher;
  item: Item;
  formRef: RefObject<HTMLFormElement>;
}) {
  const busy = pendingIntent(fetcher) !== null;
  return (
    <fetcher.Form
      ref={formRef}
      method="post"
      action="/review"
      className="mt-2 flex flex-wrap items-start gap-2"
    >
      <input type="hidden" name="intent" value="review" />
      <input type="hidden" name="id" value={item.id} />
      <NoteField label={`Note for “${item.task}”`} />
      <ReasonSelect label={`Reason to flag “${item.task}”`} placeholder="Reason to flag…" />
      <button
        type="submit"
        name="verdict"
        value="approved"
        disabled={busy}
        className={`${BUTTON} bg-emerald-700 text-white hover:bg-emerald-800 focus-visible:outline-emerald-700`}
      >
        Approve
      </button>
      <button
        type="submit"
        name="verdict"
        value="flagged"
        disabled={busy}
        className={`${BUTTON} bg-amber-700 text-white hover:bg-amber-800 focus-visible:outline-amber-600`}
      >
        Flag
      </button>
    </fetcher.Form>
  );
}

function QueueEntry({
  item,
  canEscalate,
  escalated,
}: {
  item: Item;
  canEscalate: boolean;
  escalated: boolean;
}) {
  const fetcher = useFetcher<{ error?: string }>();
  const verdictForm = useRef<HTMLFormElement>(null);
  const verdict = pendingIntent(fetcher) === "review" ? fetcher.formData?.get("verdict") : null;
  const takenByOther = item.claim !== null && !item.claim.mine;

  // A recorded verdict moves the item out of this queue; until the server answers, it shows as pending.
  if (verdict) {
    return (
      <li className="px-4 py-3 text-sm text-slate-500 wrap-anywhere" aria-busy="true">
        {item.task} — {verdict === "approved" ? "approving" : "flagging"}…
      </li>
    );
  }

  return (
    <QueueItem
      verdictForm={verdictForm}
      data-review-item
      data-testid="review-item"
      data-todo-id={item.id}
      data-claimed={takenByOther ? "other" : item.claim ? "mine" : "no"}
      className="px-4 py-3 focus:bg-indigo-50/50"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span
          className="w-full min-w-0 wrap-anywhere sm:w-auto sm:flex-1"
          data-testid="review-task"
        >
          <Link to={`/todos/${item.id}`} className="hover:underline">
            {item.task}
          </Link>
        </span>
        <Person
          id={item.userId}
          name={item.ownerName}
          testId="review-owner"
          className="text-xs text-slate-500"
        />
        {escalated ? (
          <span className="rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-800 ring-1 ring-inset ring-indigo-200">
            escalated
          </span>
        ) : null}
        <VerdictBadge verdict={item.verdict} />
      </div>
      {item.reviewerId ? (
        <p className="mt-1 text-xs text-slate-600 wrap-anywhere">
          {item.verdict === "flagged" ? "Flagged" : "Approved"} by{" "}
          <Person id={item.reviewerId} name={item.reviewerName} testId="reviewer" />
          {item.verdictReason ? <> as {reasonLabel(item.verdictReason).toLowerCase()}</> : null}
          {item.verdictNote ? <>: “{item.verdictNote}”</> : null}
        </p>
      ) : null}
      <div className="mt-2">
        <ClaimControl fetcher={fetcher} todoId={item.id} claim={item.claim} />
      </div>
      {takenByOther ? null : (
        <>
          <VerdictForm fetcher={fetcher} item={item} formRef={verdictForm} />
          {canEscalate && !escalated ? (
            <EscalateControl fetcher={fetcher} todoId={item.id} task={item.task} />
          ) : null}
        </>
      )}
      <FetcherError fetcher={fetcher} />
    </QueueItem>
  );
}

export function ReviewQueue({
  title,
  items,
  emptyMessage,
  canEscalate,
  escalatedIds,
}: {
  title: string;
  items: Item[];
  emptyMessage: string;
  canEscalate: boolean;
  escalatedIds: ReadonlySet<number>;
}) {
  return (
    <section aria-labelledby={`queue-${title}`}>
      <h2 id={`queue-${title}`} className="mb-2 text-lg font-semibold">
        {title}
      </h2>
      {items.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-500">
          {emptyMessage}
        </p>
      ) : (
        <ul
          className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white shadow-sm"
          aria-label={title}
        >
          {items.map((item) => (
            <QueueEntry
              key={item.id}
              item={item}
              canEscalate={canEscalate}
              escalated={escalatedIds.has(item.id)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
