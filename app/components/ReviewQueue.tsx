import type { SerializeFrom } from "@remix-run/node";
import { Link, useFetcher } from "@remix-run/react";
import { useRef, type KeyboardEvent } from "react";
import type { QueueItem } from "../../db/reviews.server";
import { REVIEW_NOTE_MAX_LENGTH } from "../../db/limits";
import { Person } from "./Person";
import { shortcutKey } from "./useShortcuts";
import { VerdictBadge } from "./VerdictBadge";

type Item = SerializeFrom<QueueItem>;

/** Focuses the item `step` away; false where there is none. */
function moveFocus(from: HTMLElement, step: 1 | -1) {
  const items = Array.from(document.querySelectorAll<HTMLElement>("[data-review-item]"));
  const to = items[items.indexOf(from) + step];
  to?.focus();
  return Boolean(to);
}

function QueueEntry({ item }: { item: Item }) {
  const fetcher = useFetcher<{ error?: string }>();
  const form = useRef<HTMLFormElement>(null);
  const submitting = fetcher.formData?.get("verdict");

  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>) => {
    const key = shortcutKey(event.nativeEvent);
    if (key === "j" || key === "k") {
      event.preventDefault();
      moveFocus(event.currentTarget, key === "j" ? 1 : -1);
    } else if ((key === "a" || key === "f") && form.current) {
      event.preventDefault();
      form.current.querySelector<HTMLButtonElement>(`button[value="${key === "a" ? "approved" : "flagged"}"]`)?.click();
      moveFocus(event.currentTarget, 1) || moveFocus(event.currentTarget, -1);
    }
  };

  // A recorded verdict moves the item out of this queue; until the server answers, it shows as pending.
  if (submitting && fetcher.state !== "idle" && !fetcher.data?.error) {
    return (
      <li className="px-4 py-3 text-sm text-slate-500 wrap-anywhere" aria-busy="true">
        {item.task} — {submitting === "approved" ? "approving" : "flagging"}…
      </li>
    );
  }

  return (
    <li tabIndex={0} data-review-item data-testid="review-item" data-todo-id={item.id} onKeyDown={onKeyDown} className="px-4 py-3 focus:bg-indigo-50/50">
      <div className="flex flex-wrap items-center gap-2">
        <span className="w-full min-w-0 wrap-anywhere sm:w-auto sm:flex-1" data-testid="review-task">
          <Link to={`/todos/${item.id}`} className="hover:underline">
            {item.task}
          </Link>
        </span>
        <Person id={item.userId} name={item.ownerName} testId="review-owner" className="text-xs text-slate-500" />
        <VerdictBadge verdict={item.verdict} />
      </div>
      {item.reviewerId ? (
        <p className="mt-1 text-xs text-slate-600 wrap-anywhere">
          {item.verdict === "flagged" ? "Flagged" : "Approved"} by <Person id={item.reviewerId} name={item.reviewerName} testId="reviewer" />
          {item.verdictNote ? <>: “{item.verdictNote}”</> : null}
        </p>
      ) : null}
      <fetcher.Form ref={form} method="post" action="/review" className="mt-2 flex flex-wrap items-start gap-2">
        <input type="hidden" name="intent" value="review" />
        <input type="hidden" name="id" value={item.id} />
        <textarea
          name="note"
          rows={1}
          maxLength={REVIEW_NOTE_MAX_LENGTH}
          placeholder="Note (optional)"
          aria-label={`Note for “${item.task}”`}
          className="min-w-0 flex-1 basis-full rounded-md border sm:basis-0 border-slate-300 px-2 py-1 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
        />
        <button type="submit" name="verdict" value="approved" className="rounded-md bg-emerald-700 px-3 py-1 text-sm font-medium text-white hover:bg-emerald-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700">
          Approve
        </button>
        <button type="submit" name="verdict" value="flagged" className="rounded-md bg-amber-700 px-3 py-1 text-sm font-medium text-white hover:bg-amber-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-600">
          Flag
        </button>
      </fetcher.Form>
      {fetcher.data?.error ? (
        <p role="alert" className="mt-1 text-sm text-red-700">
          {fetcher.data.error}
        </p>
      ) : null}
    </li>
  );
}

export function ReviewQueue({ title, items, emptyMessage }: { title: string; items: Item[]; emptyMessage: string }) {
  return (
    <section aria-labelledby={`queue-${title}`}>
      <h2 id={`queue-${title}`} className="mb-2 text-lg font-semibold">
        {title}
      </h2>
      {items.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-500">{emptyMessage}</p>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white shadow-sm" aria-label={title}>
          {items.map((item) => (
            <QueueEntry key={item.id} item={item} />
          ))}
        </ul>
      )}
    </section>
  );
}
