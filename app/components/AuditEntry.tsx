import { Link } from "@remix-run/react";
import { Fragment } from "react";
import type { AuditRow } from "../../db/audit.server";
import { Person } from "./Person";
import { RevertTransactionButton } from "./RevertTransactionButton";

const show = (value: unknown) => (value === undefined ? "—" : JSON.stringify(value));

/** What changed: every field whose value differs, before → after. */
export function changedFields(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
) {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys]
    .filter((key) => JSON.stringify(before?.[key]) !== JSON.stringify(after?.[key]))
    .map((key) => ({ key, before: before?.[key], after: after?.[key] }));
}

const ACTION_STYLE = {
  insert: "text-emerald-700",
  update: "text-indigo-700",
  delete: "text-red-700",
} as const;

interface AuditEntryProps {
  entry: AuditRow;
  /** Offer to revert the entry's transaction, coming back to `back` (the first entry of each transaction on the page). */
  revert?: { back: string };
}

export function AuditEntry({ entry, revert }: AuditEntryProps) {
  const fields = changedFields(entry.before, entry.after);
  return (
    <li
      className="px-4 py-3 text-sm"
      data-testid="audit-entry"
      data-actor={entry.actor ?? ""}
      data-action={entry.action}
      data-todo-id={entry.todoId ?? ""}
    >
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <span className={`font-semibold uppercase ${ACTION_STYLE[entry.action]}`}>
          {entry.action}
        </span>
        <span className="font-mono">
          {entry.tableName} #{entry.rowId}
        </span>
        {entry.todoId !== null ? (
          <Link to={`/todos/${entry.todoId}`} className="text-indigo-700 hover:underline">
            todo #{entry.todoId}
          </Link>
        ) : null}
        <span className="text-slate-600">
          by{" "}
          {entry.actor ? (
            <Person id={entry.actor} name={entry.actorName} testId="audit-actor" />
          ) : (
            <span className="font-mono">system</span>
          )}{" "}
          as <span className="font-mono">{entry.dbRole}</span>
        </span>
        <time className="text-xs text-slate-600 sm:ml-auto" dateTime={entry.occurredAt}>
          {entry.occurredAt}
        </time>
      </div>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600">
        <span>transaction {entry.txId}</span>
        {entry.revertsTxId !== null ? (
          <Link
            to={`/audit?tx=${entry.revertsTxId}`}
            className="rounded bg-amber-50 px-1.5 py-0.5 text-amber-800 underline"
            data-testid="audit-reverts"
          >
            reverts transaction {entry.revertsTxId}
          </Link>
        ) : null}
        {revert ? <RevertTransactionButton tx={entry.txId} back={revert.back} /> : null}
      </div>
      {fields.length ? (
        // Field, then before → after as one line of text: it wraps at words on a phone instead of squeezing columns.
        <dl className="mt-1 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 text-xs">
          {fields.map((field) => (
            <Fragment key={field.key}>
              <dt className="font-mono text-slate-600">{field.key}</dt>
              <dd className="font-mono wrap-anywhere">
                <del className="text-red-700 decoration-red-300">{show(field.before)}</del>{" "}
                <span className="text-slate-500">→</span>{" "}
                <ins className="text-emerald-800 no-underline">{show(field.after)}</ins>
              </dd>
            </Fragment>
          ))}
        </dl>
      ) : null}
    </li>
  );
}
