import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { flaggedTodos, queueCounts, recordReview, unreviewedTodos } from "../../db/reviews.server";
import { requireIdentity } from "../auth/request.server";
import { FlashMessage } from "../components/FlashMessage";
import { ReviewQueue } from "../components/ReviewQueue";
import { ShortcutHelp } from "../components/ShortcutHelp";
import { requireCapability } from "../lib/capability.server";
import { readForm, requireMutation } from "../lib/edge.server";
import { readFlash, setFlash } from "../lib/flash.server";
import { scopedAtOnce, scopedRead } from "../lib/scoped.server";
import { parseReviewIntent } from "../review/intents.server";

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

export const meta: MetaFunction = () => [{ title: "Review queue · Warden" }];

const QUEUE_LENGTH = 20;

export async function loader(args: LoaderFunctionArgs) {
  const identity = await requireIdentity(args);
  requireCapability(identity, "review");
  const flash = await readFlash(args.request);
  const [counts, unreviewed, flagged] = await scopedRead(identity, (tx) =>
    Promise.all([queueCounts(tx), unreviewedTodos(tx, QUEUE_LENGTH), flaggedTodos(tx, QUEUE_LENGTH)]),
  );
  return json({ counts, unreviewed, flagged, flash: flash.message }, flash.clear ? { headers: { "Set-Cookie": flash.clear } } : undefined);
}

export type ReviewActionData = { error: string; id?: string };

export async function action(args: ActionFunctionArgs) {
  requireMutation(args.request);
  const identity = await requireIdentity(args);
  requireCapability(identity, "review");
  const parsed = parseReviewIntent(await readForm(args.request));
  if (!parsed.ok) return json<ReviewActionData>({ error: parsed.error, id: parsed.id }, { status: 400 });
  const { id, verdict, note } = parsed.value;
  const outcome = await scopedAtOnce(identity, (tx) => recordReview(tx, { todoId: id, verdict, note }));
  if (outcome !== "recorded") return json<ReviewActionData>({ error: REVIEW_REFUSED[outcome], id: String(id) }, { status: outcome === "missing" ? 404 : 403 });
  const text = `${verdict === "approved" ? "Approved" : "Flagged"} todo #${id}.`;
  return redirect("/review", { status: 303, headers: { "Set-Cookie": await setFlash(args.request, { text }) } });
}

const REVIEW_REFUSED = {
  missing: "Not found: that todo no longer exists.",
  "own-todo": "You cannot record a verdict on your own todo; another moderator reviews it.",
} as const;

export default function ReviewPage() {
  const { counts, unreviewed, flagged, flash } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-semibold">Review queue</h1>
          <p className="text-sm text-slate-600">Approve or flag with one click, or from the keyboard.</p>
        </div>
        <ShortcutHelp />
      </div>
      <FlashMessage flash={flash} unlessFocusKept />
      <dl className="grid grid-cols-3 gap-3" aria-label="Counts per state">
        {(["unreviewed", "flagged", "approved"] as const).map((state) => (
          <div key={state} className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm">
            <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{state}</dt>
            <dd className="text-2xl font-semibold" data-testid={`count-${state}`}>
              {counts[state]}
            </dd>
          </div>
        ))}
      </dl>
      {actionData?.error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-700">
          {actionData.error}
        </p>
      ) : null}
      <ReviewQueue title="Unreviewed" items={unreviewed} emptyMessage="Nothing waits for review. New todos by others show up here." />
      <ReviewQueue title="Flagged" items={flagged} emptyMessage="No flagged todos. Flag one above when it needs a second look." />
    </div>
  );
}
