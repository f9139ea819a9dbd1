import type { ActionFunctionArgs } from "@remix-run/node";
import { useActionData, useOutletContext } from "@remix-run/react";
import { requireIdentity } from "../auth/request.server";
import { BulkBar, BulkConfirm, type BulkContext } from "../components/BulkBar";
import { requireMutation } from "../lib/edge.server";
import { handleBulk } from "../todos/bulk-action.server";

/**
 * POST /todos/bulk?<the list's filter>: a bulk action (decision 027). Done, it
 * redirects to the list with the result; otherwise this child of /todos draws
 * the page's bulk bar with the question or the refusal, so a plain form post
 * without JavaScript gets the same page.
 */
export async function action(args: ActionFunctionArgs) {
  requireMutation(args.request);
  return handleBulk(args.request, await requireIdentity(args));
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
