import type { FetcherWithComponents } from "@remix-run/react";
import type { ReactNode } from "react";
import type { LiveClaim } from "../../db/claims.server";
import { REVIEW_NOTE_MAX_LENGTH } from "../../db/limits";
import { Person } from "./Person";
import { ReasonSelect } from "./ReasonSelect";
import { utcTime } from "./utc-time";

/**
 * The pieces every queue item is made of: plain forms posting one intent
 * about one todo to /review (so they work without JavaScript), submitted
 * through the item's fetcher when it runs, which gives the pending states.
 */

export type QueueFetcher = FetcherWithComponents<{ error?: string }>;
type Claim = LiveClaim;

export const BUTTON =
  "rounded-md px-3 py-1 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-wait disabled:opacity-60";
const SECONDARY_BUTTON = `${BUTTON} border border-slate-300 bg-white text-slate-700 hover:bg-slate-50 focus-visible:outline-indigo-600`;

/** The intent the fetcher is posting right now, if any. */
export const pendingIntent = (fetcher: QueueFetcher) =>
  fetcher.state === "idle" ? null : (fetcher.formData?.get("intent") ?? null);

export function IntentForm({
  fetcher,
  todoId,
  intent,
  className,
  children,
}: {
  fetcher: QueueFetcher;
  todoId: number;
  intent: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <fetcher.Form method="post" action="/review" className={className}>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="id" value={todoId} />
      {children}
    </fetcher.Form>
  );
}

/** Who holds the item, with Claim or Release for the caller. */
export function ClaimControl({
  fetcher,
  todoId,
  claim,
}: {
  fetcher: QueueFetcher;
  todoId: number;
  claim: Claim | null;
}) {
  const pending = pendingIntent(fetcher);
  if (claim && !claim.mine) {
    return (
      <p className="text-xs text-slate-600" data-testid="claimed-by">
        Claimed by <Person id={claim.by.id} name={claim.by.name} /> until{" "}
        <time dateTime={claim.expiresAt}>{utcTime(claim.expiresAt)}</time>
      </p>
    );
  }
  if (claim) {
    return (
      <IntentForm
        fetcher={fetcher}
        todoId={todoId}
        intent="release"
        className="flex flex-wrap items-center gap-2 text-xs text-slate-600"
      >
        <span data-testid="claimed-by-you">
          Claimed by you until <time dateTime={claim.expiresAt}>{utcTime(claim.expiresAt)}</time>
        </span>
        <button type="submit" disabled={pending !== null} className={SECONDARY_BUTTON}>
          {pending === "release" ? "Releasing…" : "Release"}
        </button>
      </IntentForm>
    );
  }
  return (
    <IntentForm fetcher={fetcher} todoId={todoId} intent="claim">
      <button type="submit" disabled={pending !== null} className={SECONDARY_BUTTON}>
        {pending === "claim" ? "Claiming…" : "Claim"}
      </button>
    </IntentForm>
  );
}

export function NoteField({ label }: { label: string }) {
  return (
    <textarea
      name="note"
      rows={1}
      maxLength={REVIEW_NOTE_MAX_LENGTH}
      placeholder="Note (optional)"
      aria-label={label}
      className="min-w-0 flex-1 basis-full sm:basis-0 rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
    />
  );
}

/** Escalate to the organization's admins, saying why: folded away until asked for. */
export function EscalateControl({
  fetcher,
  todoId,
  task,
}: {
  fetcher: QueueFetcher;
  todoId: number;
  task: string;
}) {
  const pending = pendingIntent(fetcher);
  return (
    <details className="mt-2 text-sm">
      <summary className="cursor-pointer text-slate-600 hover:text-slate-900">
        Escalate to admins…
      </summary>
      <IntentForm
        fetcher={fetcher}
        todoId={todoId}
        intent="escalate"
        className="mt-2 flex flex-wrap items-start gap-2"
      >
        <ReasonSelect label={`Reason to escalate “${task}”`} placeholder="Reason…" />
        <NoteField label={`Note to the admins about “${task}”`} />
        <button
          type="submit"
          disabled={pending !== null}
          className={`${BUTTON} bg-indigo-600 text-white hover:bg-indigo-700 focus-visible:outline-indigo-700`}
        >
          {pending === "escalate" ? "Escalating…" : "Escalate"}
        </button>
      </IntentForm>
    </details>
  );
}

export function FetcherError({ fetcher }: { fetcher: QueueFetcher }) {
  return fetcher.data?.error && fetcher.state === "idle" ? (
    <p role="alert" className="mt-1 text-sm text-red-700">
      {fetcher.data.error}
    </p>
  ) : null;
}
