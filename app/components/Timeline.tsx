import type { TimelineEntry } from "../../db/timeline.server";
import { EmptyState } from "./EmptyState";
import { Person } from "./Person";
import { roleName, timelineEvents, type TimelineEvent } from "./timeline-events";
import { reasonLabel } from "./ReasonSelect";
import { utcTime } from "./utc-time";

type Entry = TimelineEntry;

const quoted = (value: string) => `“${value}”`;

function Change({ before, after }: { before: string; after: string }) {
  return (
    <>
      <span className="text-red-700 line-through decoration-red-300">{before}</span>{" "}
      <span className="text-slate-500">→</span> <span className="text-emerald-800">{after}</span>
    </>
  );
}

function EventText({ event }: { event: TimelineEvent }) {
  switch (event.kind) {
    case "created":
      return <>Created {quoted(event.task)}</>;
    case "edited":
      return (
        <>
          Edited the task: <Change before={quoted(event.before)} after={quoted(event.after)} />
        </>
      );
    case "completed":
      return <>Marked complete</>;
    case "reopened":
      return <>Reopened</>;
    case "reassigned":
      return (
        <>
          Reassigned from{" "}
          <Person id={event.from.id} name={event.from.name} testId="timeline-owner-before" /> to{" "}
          <Person id={event.to.id} name={event.to.name} testId="timeline-owner-after" />
        </>
      );
    case "deleted":
      return <>Deleted {quoted(event.task)}</>;
    case "reviewed":
      return (
        <>
          Reviewed: <span className="font-medium">{event.verdict}</span>
          {event.reason ? <> as {reasonLabel(event.reason).toLowerCase()}</> : null}
          {event.note ? <> — {quoted(event.note)}</> : null}
        </>
      );
    case "review-removed":
      return <>Review removed ({event.verdict})</>;
    case "claimed":
      return <>Claimed for review until {utcTime(event.until)}</>;
    case "claim-ended":
      return <>Claim ended</>;
    case "escalated":
      return (
        <>
          Escalated to admins as{" "}
          <span className="font-medium">{reasonLabel(event.reason).toLowerCase()}</span>
          {event.note ? <> — {quoted(event.note)}</> : null}
        </>
      );
    case "escalation-resolved":
      return <>Escalation resolved</>;
    case "changed":
      return (
        <>
          Changed <span className="font-mono">{event.field}</span>:{" "}
          <Change
            before={JSON.stringify(event.before ?? null)}
            after={JSON.stringify(event.after ?? null)}
          />
        </>
      );
  }
}

const KIND_STYLE: Partial<Record<TimelineEvent["kind"], string>> = {
  created: "text-emerald-700",
  deleted: "text-red-700",
  "review-removed": "text-red-700",
};

function TimelineItem({ entry }: { entry: Entry }) {
  return (
    <li
      className="px-4 py-3 text-sm"
      data-testid="timeline-entry"
      data-action={entry.action}
      data-table={entry.tableName}
      data-actor={entry.actor ?? ""}
    >
      <div className="flex flex-col gap-1 sm:flex-row sm:items-baseline sm:gap-3">
        <ul className="min-w-0 flex-1 space-y-0.5 wrap-anywhere">
          {timelineEvents(entry).map((event, index) => (
            <li
              key={index}
              data-testid="timeline-event"
              data-kind={event.kind}
              className={KIND_STYLE[event.kind] ?? "text-slate-900"}
            >
              <EventText event={event} />
            </li>
          ))}
        </ul>
        <time className="shrink-0 text-xs text-slate-600" dateTime={entry.occurredAt}>
          {utcTime(entry.occurredAt)}
        </time>
      </div>
      <p className="mt-0.5 text-xs text-slate-600">
        {entry.actor ? (
          <>
            by <Person id={entry.actor} name={entry.actorName} testId="timeline-actor" /> as{" "}
          </>
        ) : null}
        <span data-testid="timeline-role">{roleName(entry)}</span> · transaction{" "}
        <span className="font-mono">{entry.txId}</span>
        {entry.revertsTxId !== null ? (
          <span
            className="ml-2 rounded-full bg-amber-50 px-2 py-0.5 font-medium text-amber-900 ring-1 ring-inset ring-amber-300"
            data-testid="timeline-revert"
          >
            reverted transaction {entry.revertsTxId}
          </span>
        ) : null}
      </p>
    </li>
  );
}

/** A todo's history, newest first, one item per audit entry. */
export function Timeline({ entries }: { entries: Entry[] }) {
  if (entries.length === 0) {
    return (
      <EmptyState>
        Nothing to show yet: changes to this todo and its reviews appear here as they happen.
      </EmptyState>
    );
  }
  return (
    <ol
      className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white shadow-sm"
      aria-label="Timeline"
    >
      {entries.map((entry) => (
        <TimelineItem key={entry.id} entry={entry} />
      ))}
    </ol>
  );
}
