import { useEffect, useRef } from "react";

/** The review queue's keys, for its help dialog and /help. */
export const REVIEW_SHORTCUTS: { keys: string[]; does: string }[] = [
  { keys: ["j"], does: "Move to the next item" },
  { keys: ["k"], does: "Move to the previous item" },
  { keys: ["a"], does: "Approve the focused item, with its note" },
  {
    keys: ["f"],
    does: "Flag the focused item with the chosen reason and its note (with no reason chosen yet, move to the reason list)",
  },
  { keys: ["?"], does: "Show these shortcuts" },
];

const TYPING = "input, textarea, select, [contenteditable]:not([contenteditable='false'])";

/**
 * The key a keydown means as a shortcut, or null when it is not one: typed
 * into a field, or pressed with Ctrl, Alt or Meta (the browser's and the
 * system's). Shift is not refused outright: it makes "?" and turns "a" into
 * "A", which no shortcut uses.
 */
export function shortcutKey(
  event: Pick<KeyboardEvent, "key" | "target" | "ctrlKey" | "altKey" | "metaKey" | "isComposing">,
): string | null {
  if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return null;
  if (event.target instanceof Element && event.target.closest(TYPING)) return null;
  return event.key;
}

/** Runs `action` when `key` is pressed anywhere on the page, as a shortcut (see shortcutKey). */
export function useShortcut(key: string, action: () => void) {
  const latest = useRef(action);
  useEffect(() => {
    latest.current = action;
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || shortcutKey(event) !== key) return;
      event.preventDefault();
      latest.current();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [key]);
}
