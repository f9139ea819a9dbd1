import { Form, Link, useNavigation } from "@remix-run/react";
import type { Member } from "../../db/directory/people.server";
import { COUNT_CAP } from "../../db/limits";
import type { BulkConfirmation } from "../todos/bulk";
import { MemberSelect } from "./MemberSelect";
import { useFocusOn } from "./useFocusOn";

export const BULK_FORM_ID = "bulk-form";

const button = "rounded-md px-3 py-1.5 text-sm font-medium disabled:opacity-50";

const fmt = (n: number) => n.toLocaleString("en-US");
const todos = (n: number) => `${fmt(n)} ${n === 1 ? "todo" : "todos"}`;

/**
 * The admin's bulk form. Row checkboxes join it through the `form`
 * attribute, so it works as one plain form without JavaScript.
 */
export interface BulkBarProps {
  /** Where the bar posts: the bulk route, with the page's filter. */
  action: string;
  selectedCount: number | null;
  matching: number;
  /** Whom reassign offers: the active organization's members. */
  members: Member[];
  pending: boolean;
  error?: string;
}

/** What the todos page hands its bulk route, which draws the bar with the answer to the last post. */
export interface BulkContext {
  bar: Omit<BulkBarProps, "error">;
  /** Back to the list as it was, for a confirmation's Cancel. */
  cancelTo: string;
}

export function BulkBar({
  action,
  selectedCount,
  matching,
  members,
  pending,
  error,
}: BulkBarProps) {
  const errorRef = useFocusOn<HTMLParagraphElement>(error);
  const matchingLabel = matching > COUNT_CAP ? `more than ${fmt(COUNT_CAP)}` : fmt(matching);
  return (
    <Form
      id={BULK_FORM_ID}
      method="post"
      action={action}
      className="space-y-2 rounded-lg border border-indigo-200 bg-indigo-50/40 p-3"
      aria-label="Bulk actions"
    >
      <fieldset className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm">
        <legend className="sr-only">Apply to</legend>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="scope" value="selected" defaultChecked />
          {selectedCount === null ? "Selected rows" : `Selected rows (${fmt(selectedCount)})`}
        </label>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="scope" value="filter" />
          All {matchingLabel} matching this filter
        </label>
      </fieldset>
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="submit"
          name="action"
          value="complete"
          disabled={pending}
          className={`${button} bg-slate-800 text-white hover:bg-slate-900`}
        >
          Mark complete
        </button>
        <button
          type="submit"
          name="action"
          value="reopen"
          disabled={pending}
          className={`${button} border border-slate-300 bg-white hover:bg-slate-50`}
        >
          Reopen
        </button>
        <span className="flex min-w-0 items-center gap-1">
          <label className="min-w-0">
            <span className="sr-only">New owner</span>
            <MemberSelect
              name="owner"
              members={members}
              emptyLabel="New owner…"
              className="w-48 max-w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
            />
          </label>
          <button
            type="submit"
            name="action"
            value="reassign"
            disabled={pending}
            className={`${button} border border-slate-300 bg-white hover:bg-slate-50`}
          >
            Reassign
          </button>
        </span>
        <button
          type="submit"
          name="action"
          value="delete"
          disabled={pending}
          className={`${button} bg-red-600 text-white hover:bg-red-700`}
        >
          Delete…
        </button>
        {pending ? <span className="text-sm text-slate-600">Working…</span> : null}
      </div>
      {error ? (
        <p ref={errorRef} tabIndex={-1} role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </Form>
  );
}

const VERB: Record<BulkConfirmation["action"], string> = {
  complete: "Mark complete",
  reopen: "Reopen",
  reassign: "Reassign",
  delete: "Delete",
};

/**
 * The server asks before a destructive bulk action, and before any action on
 * more matching rows than the list counts exactly, with the exact number of
 * rows that will change.
 */
export function BulkConfirm({
  confirm,
  action,
  cancelTo,
}: {
  confirm: BulkConfirmation;
  action: string;
  cancelTo: string;
}) {
  const navigation = useNavigation();
  const pending =
    navigation.state === "submitting" && navigation.formData?.get("confirmed") === "yes";
  const n = todos(confirm.count);
  const title = {
    delete: `Delete ${n}?`,
    reassign: `Reassign ${n} to ${confirm.ownerName}?`,
    complete: `Mark ${n} complete?`,
    reopen: `Reopen ${n}?`,
  }[confirm.action];
  const what =
    confirm.action === "reassign" ? (
      <>
        reassign {n} to {confirm.ownerName} (
        <span className="font-mono text-xs">{confirm.owner}</span>)
      </>
    ) : confirm.action === "delete" ? (
      `delete ${n}`
    ) : confirm.action === "complete" ? (
      `mark ${n} complete`
    ) : (
      `reopen ${n}`
    );
  return (
    <section
      role="alertdialog"
      aria-labelledby="bulk-confirm-title"
      className="rounded-lg border border-red-300 bg-red-50 p-4"
    >
      <h2 id="bulk-confirm-title" className="font-semibold text-red-900">
        {title}
      </h2>
      <p className="mt-1 text-sm text-red-900">
        This will {what}. It cannot be undone from here; the audit log keeps the rows as they were.
      </p>
      <Form method="post" action={action} className="mt-3 flex flex-wrap gap-2">
        <input type="hidden" name="action" value={confirm.action} />
        <input type="hidden" name="scope" value={confirm.scope} />
        <input type="hidden" name="confirmed" value="yes" />
        {confirm.owner ? <input type="hidden" name="owner" value={confirm.owner} /> : null}
        {confirm.ids.map((id) => (
          <input key={id} type="hidden" name="id" value={id} />
        ))}
        <button
          type="submit"
          // The confirmation arrives with a post, JavaScript or not: focus goes to its answer.
          // eslint-disable-next-line jsx-a11y/no-autofocus
          autoFocus
          disabled={pending}
          className={`${button} bg-red-600 text-white hover:bg-red-700`}
        >
          {pending ? "Working…" : `${VERB[confirm.action]} ${todos(confirm.count)}`}
        </button>
        <Link
          to={cancelTo}
          className={`${button} border border-slate-300 bg-white hover:bg-slate-50`}
        >
          Cancel
        </Link>
      </Form>
    </section>
  );
}
