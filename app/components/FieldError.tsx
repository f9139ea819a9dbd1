import { useFocusOn } from "./useFocusOn";

/**
 * A form's error beside its field, named by the field's aria-describedby.
 * Focus moves to it each time `arrival` is a fresh answer, so the same
 * error twice is announced twice.
 */
export function FieldError({
  id,
  error,
  arrival,
}: {
  id: string;
  error: string;
  arrival: unknown;
}) {
  const ref = useFocusOn<HTMLParagraphElement>(arrival);
  return (
    <p id={id} ref={ref} tabIndex={-1} role="alert" className="mt-2 text-sm text-red-700">
      {error}
    </p>
  );
}
