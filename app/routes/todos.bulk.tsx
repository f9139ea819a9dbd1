import type { ActionFunctionArgs } from "@remix-run/node";
import { useActionData, useOutletContext } from "@remix-run/react";
import { requireIdentity } from "../auth/request.server";
import { BulkBar, BulkConfirm, type BulkContext } from "../components/BulkBar";
import { requireCapability } from "../lib/capability.server";
import { BULK_FORM_MAX_BYTES, readForm, requireMutation } from "../lib/edge.server";
import { handleBulk } from "../todos/bulk-action.server";

/**
 * POST /todos/bulk?<the list's filter>: a bulk action (decision 027). Done, it
 * redirects to the list with the result; otherwise this child of /todos draws
 * the page's bulk bar with the question or the refusal, so a plain form post
 * without JavaScript gets the same page.
 */
export async function action(args: ActionFunctionArgs) {
  requireMutation(args.request);
  const identity = await requireIdentity(args);
  // Who may do this is answered before what was asked is read.
  requireCapability(identity, "bulkEdit");
  const form = await readForm(args.request, { maxBytes: BULK_FORM_MAX_BYTES });
  return handleBulk(args.request, identity, form);
}

export default function BulkAnswer() {
  const answer = useActionData<typeof action>();
  const { bar, cancelTo } = useOutletContext<BulkContext>();
  return (
    <>
      {answer && "confirm" in answer ? (
        <BulkConfirm confirm={answer.confirm} action={bar.action} cancelTo={cancelTo} />
      ) : null}
      <BulkBar {...bar} error={answer && "error" in answer ? answer.error : undefined} />
    </>
  );
}
