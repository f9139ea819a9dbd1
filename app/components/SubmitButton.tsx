import type { ButtonHTMLAttributes } from "react";

/** A submit button that is disabled and says what it is doing while its post is on its way. */
export function SubmitButton({
  pending,
  pendingLabel,
  children,
  ...button
}: ButtonHTMLAttributes<HTMLButtonElement> & { pending: boolean; pendingLabel: string }) {
  return (
    <button type="submit" disabled={pending} {...button}>
      {pending ? pendingLabel : children}
    </button>
  );
}
