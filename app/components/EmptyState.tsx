import type { ReactNode } from "react";

/** What an empty list says instead: why it is empty, and what to do next. */
export function EmptyState({
  children,
  testId = "empty-state",
}: {
  children: ReactNode;
  testId?: string;
}) {
  return (
    <p
      className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600"
      data-testid={testId}
    >
      {children}
    </p>
  );
}
