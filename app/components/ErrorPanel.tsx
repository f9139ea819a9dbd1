import { useFocusOn } from "./useFocusOn";

const TITLES: Record<number, string> = {
  400: "That request could not be understood",
  401: "Please sign in again",
  403: "You may not do that",
  404: "Not found",
  503: "The database is unavailable",
};

/** A readable error for people: what happened and what to do, never a stack trace. Focused as it appears, so the keyboard starts from it. */
export function ErrorPanel({ status, message }: { status: number; message?: string }) {
  const panel = useFocusOn<HTMLElement>(true);
  return (
    <section
      ref={panel}
      tabIndex={-1}
      role="alert"
      className="rounded-lg border border-red-200 bg-white p-6 shadow-sm"
    >
      <p className="text-sm font-medium text-red-700">Error {status}</p>
      <h1 className="mt-1 text-xl font-semibold">{TITLES[status] ?? "Something went wrong"}</h1>
      <p className="mt-2 text-slate-600 wrap-anywhere">
        {message ?? "Something went wrong on our side. Please try again."}
      </p>
      <div className="mt-4 flex gap-3 text-sm">
        <a className="font-medium text-indigo-700 hover:underline" href="/todos">
          Back to todos
        </a>
        {status === 401 ? (
          <a className="font-medium text-indigo-700 hover:underline" href="/sign-in">
            Sign in
          </a>
        ) : null}
      </div>
    </section>
  );
}
