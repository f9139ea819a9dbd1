import { useRef } from "react";
import { REVIEW_SHORTCUTS, useShortcut } from "./useShortcuts";

export function ShortcutList() {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm" data-testid="shortcuts">
      {REVIEW_SHORTCUTS.map(({ keys, does }) => (
        <div key={keys.join()} className="contents">
          <dt>
            {keys.map((key) => (
              <kbd
                key={key}
                className="rounded border border-slate-300 bg-white px-1.5 py-0.5 font-mono text-xs shadow-sm"
              >
                {key}
              </kbd>
            ))}
          </dt>
          <dd>{does}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The review queue's shortcuts, on "?" or the button: a modal dialog, so
 * focus goes into it, stays there, and returns where it was when Escape or
 * Close shuts it.
 */
export function ShortcutHelp() {
  const dialog = useRef<HTMLDialogElement>(null);
  const open = () => {
    if (!dialog.current?.open) dialog.current?.showModal();
  };
  useShortcut("?", open);
  return (
    <>
      <button
        type="button"
        onClick={open}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-700 hover:bg-slate-50"
      >
        Keyboard shortcuts <kbd className="ml-1 font-mono text-xs">?</kbd>
      </button>
      <dialog
        ref={dialog}
        aria-labelledby="shortcut-help-title"
        className="m-auto w-96 max-w-[calc(100vw-2rem)] rounded-lg border border-slate-200 bg-white p-5 text-slate-900 shadow-xl backdrop:bg-black/50"
      >
        <h2 id="shortcut-help-title" className="text-lg font-semibold">
          Keyboard shortcuts
        </h2>
        <p className="mt-1 mb-3 text-sm text-slate-600">
          With an item focused (Tab to one, then j and k); never while typing a note.
        </p>
        <ShortcutList />
        <form method="dialog" className="mt-4 text-right">
          <button
            type="submit"
            className="rounded-md bg-slate-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-900"
          >
            Close
          </button>
        </form>
      </dialog>
    </>
  );
}
