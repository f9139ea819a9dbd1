import { Form, useLocation, useNavigation } from "@remix-run/react";

interface FlashProps {
  flash: { text: string; undo?: number };
}

/**
 * The result of the last action, and Undo when it can be undone: a plain
 * form posting to /revert, so it works without JavaScript, which comes back
 * here with the outcome (and an Undo for the undo).
 */
export function FlashMessage({ flash }: FlashProps) {
  const location = useLocation();
  const navigation = useNavigation();
  const undoing = navigation.state !== "idle" && navigation.formAction === "/revert";
  return (
    <div role="status" className="flex flex-wrap items-center gap-3 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-800" data-testid="flash-panel">
      <span data-testid="flash">{flash.text}</span>
      {flash.undo !== undefined ? (
        <Form method="post" action="/revert" className="ml-auto">
          <input type="hidden" name="tx" value={flash.undo} />
          <input type="hidden" name="back" value={location.pathname + location.search} />
          <button
            type="submit"
            disabled={undoing}
            className="rounded-md border border-emerald-300 bg-white px-3 py-1 font-medium text-emerald-800 hover:bg-emerald-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-50"
          >
            {undoing ? "Undoing…" : "Undo"}
          </button>
        </Form>
      ) : null}
    </div>
  );
}
