/**
 * Someone a page mentions: by name, the id on hover. Without a name the
 * directory does not show them to the viewer (deleted, or gone from the
 * organization), so they are a former member, and the id is all there is.
 */
export function Person({
  id,
  name,
  testId,
  className = "",
}: {
  id: string;
  name: string | null;
  testId?: string;
  className?: string;
}) {
  if (name === null) {
    return (
      <span data-testid={testId} data-user-id={id} className={className}>
        former member <span className="font-mono text-xs text-slate-500">{id}</span>
      </span>
    );
  }
  return (
    <span data-testid={testId} data-user-id={id} title={id} className={className}>
      {name}
    </span>
  );
}
