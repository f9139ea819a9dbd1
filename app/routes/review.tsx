import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { flaggedTodos, queueCounts, recordReview, ReviewTargetMissing, unreviewedTodos } from "../../db/reviews.server";
import { requireSessionToken } from "../auth/request.server";
import { ReviewQueue } from "../components/ReviewQueue";
import { requireCapability } from "../lib/capability.server";
import { scoped } from "../lib/scoped.server";
import { parseReviewIntent } from "../review/intents";

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

export const meta: MetaFunction = () => [{ title: "Review queue · Warden" }];

const QUEUE_LENGTH = 20;

export async function loader(args: LoaderFunctionArgs) {
  const token = await requireSessionToken(args);
  return json(
    await scoped(token, async (tx, identity) => {
      requireCapability(identity, "review");
      return {
        counts: await queueCounts(tx),
        unreviewed: await unreviewedTodos(tx, QUEUE_LENGTH),
        flagged: await flaggedTodos(tx, QUEUE_LENGTH),
      };
    }),
  );
}

export type ReviewActionData = { error: string; id?: string };

export async function action(args: ActionFunctionArgs) {
  const token = await requireSessionToken(args);
  const form = await args.request.formData();
  const parsed = parseReviewIntent(form);
  try {
    await scoped(token, async (tx, identity) => {
      requireCapability(identity, "review");
      if (!parsed.ok) throw json<ReviewActionData>({ error: parsed.error, id: parsed.id }, { status: 400 });
      await recordReview(tx, { todoId: parsed.value.id, verdict: parsed.value.verdict, note: parsed.value.note });
    });
  } catch (error) {
    if (error instanceof ReviewTargetMissing) return json<ReviewActionData>({ error: "Not found: that todo no longer exists.", id: parsed.ok ? String(parsed.value.id) : undefined }, { status: 404 });
    if (error instanceof Response && error.status === 400) return error;
    throw error;
  }
  return redirect("/review", { status: 303 });
}

export default function ReviewPage() {
  const { counts, unreviewed, flagged } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold">Review queue</h1>
        <p className="text-sm text-slate-600">
          Approve or flag with one click. Keys: <kbd className="rounded border px-1">j</kbd>/<kbd className="rounded border px-1">k</kbd> move between
          items, <kbd className="rounded border px-1">a</kbd> approves, <kbd className="rounded border px-1">f</kbd> flags (with the note, if any).
        </p>
      </div>
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
      <ReviewQueue title="Unreviewed" items={unreviewed} emptyMessage="Nothing waits for review." />
      <ReviewQueue title="Flagged" items={flagged} emptyMessage="No flagged todos." />
    </div>
  );
}
