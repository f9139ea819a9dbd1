import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { listTodoPage } from "../../db/todo-list.server";
import { currentDatabaseRole, modifiableIds } from "../../db/todos.server";
import { capabilitiesOf } from "../../roles/capabilities";
import { requireSessionToken } from "../auth/request.server";
import { NewTodoForm } from "../components/NewTodoForm";
import { Pagination } from "../components/Pagination";
import { TodoFilters } from "../components/TodoFilters";
import { TodoList } from "../components/TodoList";
import { scoped } from "../lib/scoped.server";
import { parseTodoIntent } from "../todos/intents";
import { encodeCursor, filterSearch, parseListParams } from "../todos/list-params.server";
import { runTodoIntent } from "../todos/run-intent.server";

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

export const meta: MetaFunction = () => [{ title: "Todos · Warden" }];

export async function loader(args: LoaderFunctionArgs) {
  const token = await requireSessionToken(args);
  const params = parseListParams(new URL(args.request.url).searchParams);
  if (!params.ok) throw json({ message: params.error }, { status: 400 });
  const query = params.value;
  return json(
    await scoped(token, async (tx, identity) => {
      const page = await listTodoPage(tx, query);
      return {
        userId: identity.userId,
        databaseRole: await currentDatabaseRole(tx),
        capabilities: capabilitiesOf(identity.backendRole),
        todos: page.rows,
        modifiable: await modifiableIds(tx, page.rows.map((todo) => todo.id)),
        filters: { owner: query.owner, status: query.status, verdict: query.verdict, q: query.q, sort: query.sort },
        links: {
          first: filterSearch(query),
          next: page.next && filterSearch(query, { after: encodeCursor(page.next) }),
          previous: page.previous && filterSearch(query, { before: encodeCursor(page.previous) }),
        },
      };
    }),
  );
}

export type TodoActionData = { error: string; intent?: string; id?: string; field?: string };

export async function action(args: ActionFunctionArgs) {
  const token = await requireSessionToken(args);
  const parsed = parseTodoIntent(await args.request.formData());
  if (!parsed.ok) {
    return json<TodoActionData>({ error: parsed.error, intent: parsed.intent, id: parsed.id, field: parsed.field }, { status: 400 });
  }
  const row = await scoped(token, (tx) => runTodoIntent(tx, parsed.value));
  if (!row) {
    const id = "id" in parsed.value ? String(parsed.value.id) : undefined;
    return json<TodoActionData>({ error: "Not found: that todo does not exist or is not yours to change.", intent: parsed.value.intent, id }, { status: 404 });
  }
  const { pathname, search } = new URL(args.request.url);
  return redirect(pathname + search, { status: 303 });
}

export default function TodosPage() {
  const { todos, databaseRole, userId, modifiable, capabilities, filters, links } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const shownInRow = actionData?.id !== undefined && actionData.intent !== "create" && todos.some((todo) => String(todo.id) === actionData.id);
  const bannerError = actionData && actionData.intent !== "create" && !shownInRow ? actionData.error : null;
  const filtered = Boolean(filters.owner || filters.status || filters.verdict || filters.q);
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold">Todos</h1>
        <p className="text-sm text-slate-600">
          {capabilities.browseAll ? "Everyone's todos" : "Your todos"} for <span className="font-mono">{userId}</span>, as Postgres shows them to{" "}
          <span className="font-mono" data-testid="database-role">
            {databaseRole}
          </span>
          .
        </p>
      </div>
      {bannerError ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-700">
          {bannerError}
        </p>
      ) : null}
      <NewTodoForm serverError={actionData?.intent === "create" ? actionData : undefined} />
      <TodoFilters values={filters} showOwner={capabilities.browseAll} />
      <TodoList todos={todos} modifiable={modifiable} actionData={actionData} emptyMessage={filtered ? "No todos match these filters." : "No todos here yet. Add one above."} />
      <Pagination links={links} path="/todos" />
    </div>
  );
}
