import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { currentDatabaseRole, listTodos, modifiableIds } from "../../db/todos.server";
import { requireSessionToken } from "../auth/request.server";
import { scoped } from "../lib/scoped.server";
import { NewTodoForm } from "../components/NewTodoForm";
import { TodoList } from "../components/TodoList";
import { parseTodoIntent } from "../todos/intents";
import { runTodoIntent } from "../todos/run-intent.server";

export const meta: MetaFunction = () => [{ title: "Todos · Warden" }];

export async function loader(args: LoaderFunctionArgs) {
  const token = await requireSessionToken(args);
  return json(
    await scoped(token, async (tx, identity) => {
      const todos = await listTodos(tx);
      return {
        userId: identity.userId,
        databaseRole: await currentDatabaseRole(tx),
        todos,
        modifiable: await modifiableIds(tx, todos.map((todo) => todo.id)),
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
  const { todos, databaseRole, userId, modifiable } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const shownInRow = actionData?.id !== undefined && actionData.intent !== "create" && todos.some((todo) => String(todo.id) === actionData.id);
  const bannerError = actionData && actionData.intent !== "create" && !shownInRow ? actionData.error : null;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-semibold">Todos</h1>
          <p className="text-sm text-slate-600">
            {todos.length} {todos.length === 1 ? "todo" : "todos"} visible to <span className="font-mono">{userId}</span>, as decided by
            Postgres for <span className="font-mono" data-testid="database-role">{databaseRole}</span>.
          </p>
        </div>
      </div>
      {bannerError ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-700">
          {bannerError}
        </p>
      ) : null}
      <NewTodoForm serverError={actionData?.intent === "create" ? actionData : undefined} />
      <TodoList todos={todos} modifiable={modifiable} actionData={actionData} />
    </div>
  );
}
