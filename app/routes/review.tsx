import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { readReviewQueue } from "../../db/review-queue.server";
import { capabilitiesOf } from "../../roles/capabilities";
import { requireIdentity } from "../auth/request.server";
import { EscalationQueue } from "../components/EscalationQueue";
import { FlashMessage } from "../components/FlashMessage";
import { ReviewQueue } from "../components/ReviewQueue";
import { ShortcutHelp } from "../components/ShortcutHelp";
import { config } from "../config.server";
import { useLiveRevalidation } from "../lib/useLiveRevalidation";
import { requireCapability } from "../lib/capability.server";
import { readForm, requireMutation } from "../lib/edge.server";
import { readFlash, setFlash } from "../lib/flash.server";
import { parseForm } from "../lib/form.server";
import { scopedAtOnce, scopedRead } from "../lib/scoped.server";
import { reviewIntent, reviewIntentError, type ReviewActionData } from "../review/intents.server";
import { queueDone, queueRefusal, runQueueIntent } from "../review/queue-action.server";

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

export const meta: MetaFunction = () => [{ title: "Review queue · Warden" }];

const QUEUE_LENGTH = 20;

export async function loader(args: LoaderFunctionArgs) {
  const identity = await requireIdentity(args);
  requireCapability(identity, "review");
  const flash = await readFlash(args.request);
  const queue = await scopedRead(identity, (tx) => readReviewQueue(tx, QUEUE_LENGTH));
  const { escalate, resolveEscalations } = capabilitiesOf(identity.backendRole);
  const loaded = {
    ...queue,
    flash: flash.message,
    claimMinutes: config().claimMinutes,
    can: { escalate, resolve: resolveEscalations },
  };
  return data(loaded, flash.clear ? { headers: { "Set-Cookie": flash.clear } } : undefined);
}

export async function action(args: ActionFunctionArgs) {
  requireMutation(args.request);
  const identity = await requireIdentity(args);
  requireCapability(identity, "review");
  const parsed = parseForm(reviewIntent, await readForm(args.request), reviewIntentError);
  if (!parsed.ok) return parsed.response;
  const intent = parsed.value;
  if (intent.intent === "escalate") requireCapability(identity, "escalate");
  if (intent.intent === "resolve") requireCapability(identity, "resolveEscalations");
  const outcome = await scopedAtOnce(identity, (tx) =>
    runQueueIntent(tx, intent, config().claimMinutes),
  );
  const refusal = queueRefusal(intent.intent, outcome);
  if (refusal)
    return data<ReviewActionData>(
      { error: refusal.error, id: String(intent.id) },
      { status: refusal.status },
    );
  return redirect("/review", {
    status: 303,
    headers: { "Set-Cookie": await setFlash(args.request, { text: queueDone(intent) }) },
  });
}

/** How often an open, visible queue asks for fresh counts and claims. */
const REFRESH_MS = 30_000;

export default function ReviewPage() {
  const { counts, escalations, unreviewed, flagged, claimMinutes, can, flash } =
    useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  useLiveRevalidation(REFRESH_MS);
  const escalatedIds = new Set(escalations.map((escalation) => escalation.todoId));
  const escalationQueue = <EscalationQueue escalations={escalations} canResolve={can.resolve} />;
  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-semibold">Review queue</h1>
          <p className="text-sm text-slate-600">
            Claim an item so nobody else takes it (a claim lasts {claimMinutes} minutes, or until
            you release it or record a verdict). A flag needs a reason. Press{" "}
            <kbd className="rounded border px-1">?</kbd> for the keyboard shortcuts.
          </p>
        </div>
        <ShortcutHelp />
      </div>
      <FlashMessage flash={flash} unlessFocusKept />
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Counts per state">
        {(["unreviewed", "flagged", "approved", "escalated"] as const).map((state) => (
          <div key={state} className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm">
            <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{state}</dt>
            <dd className="text-2xl font-semibold" data-testid={`count-${state}`}>
              {counts[state]}
            </dd>
          </div>
        ))}
      </dl>
      {actionData?.error ? (
        <p
          role="alert"
          className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-700"
        >
          {actionData.error}
        </p>
      ) : null}
      {/* Admins decide escalations, so theirs come first; moderators see them last, as what waits on the admins. */}
      {can.resolve ? escalationQueue : null}
      <ReviewQueue
        title="Unreviewed"
        items={unreviewed}
        emptyMessage="Nothing waits for review. New todos by others show up here."
        canEscalate={can.escalate}
        escalatedIds={escalatedIds}
      />
      <ReviewQueue
        title="Flagged"
        items={flagged}
        emptyMessage="No flagged todos. Flag one above when it needs a second look."
        canEscalate={can.escalate}
        escalatedIds={escalatedIds}
      />
      {can.resolve ? null : escalationQueue}
    </div>
  );
}
