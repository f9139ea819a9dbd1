import { REVIEW_REASONS } from "../../db/limits";

const LABELS: Record<(typeof REVIEW_REASONS)[number], string> = {
  spam: "Spam",
  abuse: "Abuse",
  "off-topic": "Off-topic",
  duplicate: "Duplicate",
  other: "Other",
};

/** The fixed list of reasons, as a native select: arrow keys and typing choose, and it posts without JavaScript. */
export function ReasonSelect({ label, placeholder }: { label: string; placeholder: string }) {
  return (
    <select
      name="reason"
      defaultValue=""
      aria-label={label}
      className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
    >
      <option value="">{placeholder}</option>
      {REVIEW_REASONS.map((reason) => (
        <option key={reason} value={reason}>
          {LABELS[reason]}
        </option>
      ))}
    </select>
  );
}

export const reasonLabel = (reason: string) => LABELS[reason as keyof typeof LABELS] ?? reason;
