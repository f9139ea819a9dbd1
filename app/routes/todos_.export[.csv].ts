import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireIdentity } from "../auth/request.server";
import { readSearch } from "../lib/edge.server";
import { malformedFilter } from "../lib/export.server";
import { parseFields } from "../lib/form.server";
import { exportTodos } from "../todos/export.server";
import { listParams } from "../todos/list-params.server";

/** GET /todos/export.csv?<the /todos filter>: every todo the filter matches, as the caller's role sees them. */
export async function loader(args: LoaderFunctionArgs) {
  const identity = await requireIdentity(args);
  const params = parseFields(listParams, readSearch(args.request));
  if (!params.ok) throw malformedFilter(params.error);
  return exportTodos(identity, params.value);
}
