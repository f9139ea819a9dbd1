import { Form, useLocation, useNavigation } from "@remix-run/react";
import { useFocusOn } from "./useFocusOn";
import { SubmitButton } from "./SubmitButton";

interface FlashProps {
  flash: { text: string; undo?: number } | null;
  /** Leave focus where it is unless it was lost: on the review queue, a shortcut has already moved it to the next item. */
  unlessFocusKept?: boolean;
}

/**
 * The result of the last action, and Undo when it can be undone: a plain
 * form posting to /revert, so it works without JavaScript, which comes back
 * here with the outcome (and an Undo for the undo). The status region is
 * always there, empty between messages, so a screen reader announces each
 * message as it arrives; focus moves to it too, with Undo next in line.
 */
export function FlashMessage({ flash, unlessFocusKept = false }: FlashProps) {
  const location = useLocation();
  const navigation = useNavigation();
  const panel = useFocusOn<HTMLDivElement>(flash ? location.key : null, { unlessFocusKept });
  const undoing = navigation.state !== "idle" && navigation.formAction === "/revert";
  return (
    // Empty, it takes no room in the page's spaced column either.
    <div role="status" className="empty:mb-0">
      {flash ? (
        <div
          ref={panel}
          tabIndex={-1}
          className="flex flex-wrap items-center gap-3 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-800"
          data-testid="flash-panel"
        >
          <span data-testid="flash" className="min-w-0 wrap-anywhere">
            {flash.text}
          </span>
          {flash.undo !== undefined ? (
            <Form method="post" action="/revert" className="ml-auto">
              <input type="hidden" name="tx" value={flash.undo} />
              <input type="hidden" name="back" value={location.pathname + location.search} />
              <SubmitButton
                pending={undoing}
                pendingLabel="Undoing…"
                className="rounded-md border border-emerald-300 bg-white px-3 py-1 font-medium text-emerald-800 hover:bg-emerald-100 disabled:opacity-50"
              >
                Undo
              </SubmitButton>
            </Form>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
