import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { ErrorPanel } from "./ErrorPanel";

/** Route-level errors render inside the layout, so the header (and the way out) stays. */
export function RouteErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error))
    return <ErrorPanel status={error.status} message={error.data?.message} />;
  return <ErrorPanel status={500} />;
}
