import type { ReviewVerdict, VerdictFilter } from "../../db/limits";

const STYLES: Record<VerdictFilter, string> = {
  approved: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  flagged: "bg-amber-50 text-amber-900 ring-amber-300",
  unreviewed: "bg-slate-50 text-slate-600 ring-slate-200",
};

export function VerdictBadge({ verdict }: { verdict: ReviewVerdict | null }) {
  const key = verdict ?? "unreviewed";
  return (
    <span
      data-testid="verdict"
      className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STYLES[key]}`}
    >
      {key}
    </span>
  );
}
