import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import {
  useActionData,
  useLoaderData,
  useLocation,
  useNavigation,
  useOutlet,
} from "@remix-run/react";
import { useMemo } from "react";
import { listMembers, type Member } from "../../db/directory/people.server";
import { COUNT_CAP } from "../../db/limits";
import { countMatching, listTodoPage } from "../../db/todo-list.server";
import { currentDatabaseRole } from "../../db/todos.server";
import { capabilitiesOf } from "../../roles/capabilities";
import { requireIdentity } from "../auth/request.server";
import { BulkBar, type BulkContext } from "../components/BulkBar";
import { ExportLinks } from "../components/ExportLinks";
import { FlashMessage } from "../components/FlashMessage";
import { NewTodoForm } from "../components/NewTodoForm";
import { Pagination } from "../components/Pagination";
import { TodoFilters } from "../components/TodoFilters";
import { useHydrated } from "../components/useHydrated";
import { TodoList } from "../components/TodoList";
import { useRowSelection } from "../components/useRowSelection";
import { BULK_FORM_MAX_BYTES, readForm, readSearch, requireMutation } from "../lib/edge.server";
import { readFlash, setFlash } from "../lib/flash.server";
import { parseForm, requireQuery } from "../lib/form.server";
import { scopedAtOnce, scopedRead } from "../lib/scoped.server";
import { BULK_PATH } from "../todos/bulk";
import { todoIntent, todoIntentError, type TodoActionData } from "../todos/intents.server";
import { encodeCursor } from "../../db/cursor";
import { filterSearch, listParams } from "../todos/list-params.server";
import { runTodoIntent } from "../todos/run-intent.server";

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

export const meta: MetaFunction = () => [{ title: "Todos · Warden" }];

export async function loader(args: LoaderFunctionArgs) {
  const identity = await requireIdentity(args);
  const query = requireQuery(listParams, readSearch(args.request));
  const flash = await readFlash(args.request);
  const capabilities = capabilitiesOf(identity.backendRole);
  // Everything the page needs, asked at once: one round trip.
  const [page, matching, databaseRole, members] = await scopedRead(identity, (tx) =>
    Promise.all([
      listTodoPage(tx, query),
      countMatching(tx, query, COUNT_CAP),
      currentDatabaseRole(tx),
      // Whom the owner filter and reassign offer; a member filters and reassigns nobody.
      capabilities.browseAll ? listMembers(tx) : ([] as Member[]),
    ]),
  );
  const loaded = {
    flash: flash.message,
    matching,
    countCap: COUNT_CAP,
    userId: identity.userId,
    databaseRole,
    capabilities,
    todos: page.rows,
    modifiable: page.modifiable,
    members,
    filters: {
      owner: query.owner,
      status: query.status,
      verdict: query.verdict,
      q: query.q,
      sort: query.sort,
    },
    links: {
      first: filterSearch(query),
      next: page.next && filterSearch(query, { after: encodeCursor(page.next) }),
      previous: page.previous && filterSearch(query, { before: encodeCursor(page.previous) }),
    },
  };
  return data(loaded, flash.clear ? { headers: { "Set-Cookie": flash.clear } } : undefined);
}

/** A task in a sentence, short enough for a message. */
const quoted = (task: string) => (task.length > 80 ? `${task.slice(0, 79)}…` : task);

/** POST /todos: one row's create, update, toggle or delete. Bulk actions post to /todos/bulk. */
export async function action(args: ActionFunctionArgs) {
  requireMutation(args.request);
  const identity = await requireIdentity(args);
  // Still the bulk form's 1 MB, so no post /todos took before the bulk route split off is refused now.
  const form = await readForm(args.request, { maxBytes: BULK_FORM_MAX_BYTES });
  const parsed = parseForm(todoIntent, form, todoIntentError);
  if (!parsed.ok) return parsed.response;
  const { row, undo } = await scopedAtOnce(identity, (tx) => runTodoIntent(tx, parsed.value));
  if (!row) {
    const id = "id" in parsed.value ? String(parsed.value.id) : undefined;
    return data<TodoActionData>(
      {
        error: "Not found: that todo does not exist or is not yours to change.",
        intent: parsed.value.intent,
        id,
      },
      { status: 404 },
    );
  }
  const { pathname, search } = new URL(args.request.url);
  if (undo === undefined) return redirect(pathname + search, { status: 303 });
  return redirect(pathname + search, {
    status: 303,
    headers: {
      "Set-Cookie": await setFlash(args.request, { text: `Deleted “${quoted(row.task)}”.`, undo }),
    },
  });
}

export default function TodosPage() {
  const {
    todos,
    databaseRole,
    userId,
    modifiable,
    members,
    capabilities,
    filters,
    links,
    flash,
    matching,
    countCap,
  } = useLoaderData<typeof loader>();
  const rowData = useActionData<typeof action>();
  const shownInRow =
    rowData?.id !== undefined &&
    rowData.intent !== "create" &&
    todos.some((todo) => String(todo.id) === rowData.id);
  const bannerError = rowData && rowData.intent !== "create" && !shownInRow ? rowData.error : null;
  const ids = useMemo(() => todos.map((todo) => todo.id), [todos]);
  const selection = useRowSelection(ids, todos);
  const hydrated = useHydrated();
  const location = useLocation();
  const navigation = useNavigation();
  const formAction = `/todos${location.search}`;
  const bulk: BulkContext = {
    bar: {
      action: `${BULK_PATH}${location.search}`,
      selectedCount: hydrated ? selection.count : null,
      matching,
      members,
      pending:
        navigation.state === "submitting" && navigation.formAction?.split("?")[0] === BULK_PATH,
    },
    cancelTo: formAction,
  };
  // On /todos/bulk, the bulk route renders the bar itself, with its answer (a question or a refusal).
  const bulkAnswered = useOutlet(bulk);
  const filtered = Boolean(filters.owner || filters.status || filters.verdict || filters.q);
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold">Todos</h1>
        <p className="text-sm text-slate-600">
          {capabilities.browseAll ? "Everyone's todos" : "Your todos"} for{" "}
          <span className="font-mono">{userId}</span>, as Postgres shows them to{" "}
          <span className="font-mono" data-testid="database-role">
            {databaseRole}
          </span>
          :{" "}
          <span data-testid="matching-count" data-count={matching > countCap ? "" : matching}>
            {matching > countCap
              ? `more than ${countCap.toLocaleString("en-US")}`
              : matching.toLocaleString("en-US")}{" "}
            {matching === 1 ? "todo" : "todos"}
          </span>
          {filtered ? " match the filter" : ""}.
        </p>
      </div>
      <FlashMessage flash={flash} />
      {bannerError ? (
        <p
          role="alert"
          className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-700"
        >
          {bannerError}
        </p>
      ) : null}
      <NewTodoForm serverError={rowData?.intent === "create" ? rowData : undefined} />
      <TodoFilters values={filters} showOwner={capabilities.browseAll} members={members} />
      <ExportLinks links={[["Export CSV", `/todos/export.csv${links.first}`]]} />
      {capabilities.bulkEdit ? (bulkAnswered ?? <BulkBar {...bulk.bar} />) : null}
      {capabilities.bulkEdit && hydrated && todos.length > 0 ? (
        <label className="flex items-center gap-2 px-4 text-sm text-slate-600">
          <input
            type="checkbox"
            checked={selection.allSelected}
            onChange={(event) => selection.selectAll(event.target.checked)}
            className="h-4 w-4 accent-indigo-600"
          />
          Select all {todos.length} on this page
        </label>
      ) : null}
      <TodoList
        todos={todos}
        action={formAction}
        modifiable={modifiable}
        actionData={rowData}
        emptyMessage={
          filtered
            ? "No todos match these filters. Change them, or Clear to see all."
            : capabilities.browseAll
              ? "Nobody here has a todo yet. Add one above."
              : "No todos here yet. Add one above."
        }
        selectionFor={capabilities.bulkEdit ? selection.selectionFor : undefined}
      />
      <Pagination links={links} path="/todos" />
    </div>
  );
}
