import { useEffect, useRef } from "react";

/**
 * Focuses the element whenever `trigger` changes to something truthy: a
 * result or an error that has just arrived, so keyboard and screen reader
 * users land on it instead of being left where the form was. Pass a fresh
 * value per arrival (a response object, a location key), so the same error
 * twice is focused twice. With `unlessFocusKept`, focus moves only if it was
 * lost (the focused element went away with the change), never away from
 * where the user has already moved on to.
 */
export function useFocusOn<T extends HTMLElement>(
  trigger: unknown,
  { unlessFocusKept = false } = {},
) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (!trigger) return;
    if (unlessFocusKept && document.activeElement && document.activeElement !== document.body)
      return;
    ref.current?.focus();
  }, [trigger, unlessFocusKept]);
  return ref;
}
