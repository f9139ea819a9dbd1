import { data, redirect } from "@remix-run/node";
import {
  BulkTooLarge,
  NotAMember,
  previewBulk,
  runBulk,
  type BulkOutcome,
  type BulkPreview,
  type BulkRequest,
  type BulkTarget,
} from "../../db/bulk.server";
import { BULK_LIMIT, COUNT_CAP, type BulkAction } from "../../db/limits";
import type { Identity } from "../../roles/identity";
import { requireCapability } from "../lib/capability.server";
import { BULK_FORM_MAX_BYTES, readForm, readSearch } from "../lib/edge.server";
import { setFlash } from "../lib/flash.server";
import { parseFields } from "../lib/form.server";
import { scoped } from "../lib/scoped.server";
import type { BulkActionData } from "./bulk";
import { bulkIntent, type BulkIntent } from "./bulk-intent.server";
import { listParams } from "./list-params.server";

/** Deleting and reassigning take rows away from someone: they ask first, stating the count. */
const NEEDS_CONFIRMATION: ReadonlySet<BulkAction> = new Set(["delete", "reassign"]);

const plural = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "todo" : "todos"}`;

/** A person in a sentence: their name, with the id that tells two people of one name apart. */
const named = (id: string, name: string | null | undefined) => (name ? `${name} (${id})` : id);

function doneMessage(action: BulkAction, changed: number, owner?: string): string {
  switch (action) {
    case "complete":
      return `Marked ${plural(changed)} complete.`;
    case "reopen":
      return `Reopened ${plural(changed)}.`;
    case "reassign":
      return `Reassigned ${plural(changed)} to ${owner}.`;
    case "delete":
      return `Deleted ${plural(changed)}.`;
  }
}

const failure = (error: string, status: number) =>
  data<BulkActionData>({ intent: "bulk", error }, { status });

/** The form, and for scope=filter the page's filter in the URL, as one request to the database. */
function parseBulkRequest(
  request: Request,
  form: FormData,
): { ok: true; intent: BulkIntent; bulk: BulkRequest } | { ok: false; error: string } {
  const parsed = parseFields(bulkIntent, form, { repeated: ["id"] });
  if (!parsed.ok) return parsed;
  const intent = parsed.value;
  let target: BulkTarget;
  if (intent.scope === "filter") {
    const params = parseFields(listParams, readSearch(request));
    if (!params.ok) return params;
    const { owner, status, verdict, q } = params.value;
    target = { filter: { owner, status, verdict, q } };
  } else {
    target = { ids: intent.ids };
  }
  const bulk: BulkRequest =
    intent.action === "reassign"
      ? { action: intent.action, target, owner: intent.owner }
      : { action: intent.action, target };
  return { ok: true, intent, bulk };
}

/** POST /todos/bulk: parse, one scoped transaction, then a redirect to the list carrying the result. */
export async function handleBulk(request: Request, identity: Identity) {
  // Who may do this is answered before what was asked is read.
  requireCapability(identity, "bulkEdit");
  const form = await readForm(request, { maxBytes: BULK_FORM_MAX_BYTES });
  const parsed = parseBulkRequest(request, form);
  if (!parsed.ok) return failure(parsed.error, 400);
  const { intent, bulk } = parsed;
  let outcome: BulkOutcome | { confirm: BulkPreview };
  try {
    outcome = await scoped(identity, async (tx) => {
      if (intent.confirmed) return runBulk(tx, bulk);
      const preview = await previewBulk(tx, bulk);
      // The list counts no further than COUNT_CAP, so beyond it the admin has not yet seen how many rows this is.
      if (NEEDS_CONFIRMATION.has(intent.action) || preview.count > COUNT_CAP)
        return { confirm: preview };
      return runBulk(tx, bulk, true);
    });
  } catch (error) {
    if (error instanceof BulkTooLarge) {
      return failure(
        `This would change ${error.count.toLocaleString("en-US")} todos; a bulk action changes at most ${BULK_LIMIT.toLocaleString("en-US")}. Narrow the filter.`,
        400,
      );
    }
    if (error instanceof NotAMember)
      return failure(
        `${error.owner} is not a member of this organization. Nothing was changed.`,
        400,
      );
    throw error;
  }

  if ("confirm" in outcome) {
    const { count, owner } = outcome.confirm;
    return data<BulkActionData>({
      intent: "bulk",
      confirm: {
        action: intent.action,
        count,
        scope: intent.scope,
        ids: intent.scope === "selected" ? intent.ids : [],
        owner: intent.owner,
        ownerName: owner?.name,
      },
    });
  }
  const message = doneMessage(
    intent.action,
    outcome.changed,
    intent.owner && named(intent.owner, outcome.ownerName),
  );
  // Nothing changed, nothing to undo.
  const flash = { text: message, undo: outcome.changed > 0 ? outcome.txId : undefined };
  return redirect(`/todos${new URL(request.url).search}`, {
    status: 303,
    headers: { "Set-Cookie": await setFlash(request, flash) },
  });
}
