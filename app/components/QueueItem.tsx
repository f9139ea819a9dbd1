import type { KeyboardEvent, ReactNode, RefObject } from "react";
import { shortcutKey } from "./useShortcuts";

/** Focuses the item `step` away; false where there is none. */
function moveFocus(from: HTMLElement, step: 1 | -1) {
  const items = Array.from(document.querySelectorAll<HTMLElement>("[data-review-item]"));
  const to = items[items.indexOf(from) + step];
  to?.focus();
  return Boolean(to);
}

/**
 * j/k move between items; a approves; f flags, or, with no reason chosen
 * yet, moves to the reason picker first. Items someone else has claimed
 * take no verdict.
 */
function useQueueKeys(verdictForm: RefObject<HTMLFormElement>) {
  return (event: KeyboardEvent<HTMLLIElement>) => {
    // Keys typed into a field, or into the reason picker (where letters pick a reason), are the field's own.
    const key = shortcutKey(event.nativeEvent);
    if (key === "j" || key === "k") {
      event.preventDefault();
      moveFocus(event.currentTarget, key === "j" ? 1 : -1);
      return;
    }
    const form = verdictForm.current;
    if ((key !== "a" && key !== "f") || !form) return;
    event.preventDefault();
    const reason = form.querySelector<HTMLSelectElement>("select[name=reason]");
    if (key === "f" && reason && reason.value === "") reason.focus();
    else {
      form
        .querySelector<HTMLButtonElement>(`button[value="${key === "a" ? "approved" : "flagged"}"]`)
        ?.click();
      // The item is on its way out of the list: the next one (or the one before) takes the focus.
      if (!moveFocus(event.currentTarget, 1)) moveFocus(event.currentTarget, -1);
    }
  };
}

const NO_VERDICT_FORM = { current: null };

/**
 * One item of a review queue: a tab stop of its own, so j/k can walk the
 * queue and a/f give a verdict on the focused item. The keys only shortcut the
 * item's own buttons, which stay real buttons for everyone else.
 */
export function QueueItem({
  verdictForm = NO_VERDICT_FORM,
  className,
  children,
  ...data
}: {
  verdictForm?: RefObject<HTMLFormElement>;
  className: string;
  children: ReactNode;
} & Record<`data-${string}`, string | number | boolean>) {
  const onKeyDown = useQueueKeys(verdictForm);
  return (
    // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions, jsx-a11y/no-noninteractive-tabindex -- the item is the queue's focus stop; see above
    <li tabIndex={0} {...data} onKeyDown={onKeyDown} className={className}>
      {children}
    </li>
  );
}
