import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { DEMO_IDENTITIES, findDemoIdentity, findDemoOrganization } from "../../db/demo-identities";
import { backendRoleForOrgRole } from "../../roles/roles";
import { beginLocalSession, endLocalSession } from "../auth/local-session.server";
import { safeReturnTo } from "../auth/return-to";
import { authMode } from "../config.server";
import { readForm, readSearch, requireMutation } from "../lib/edge.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Warden" }];

const notFound = () => new Response("Not found", { status: 404 });

export function loader({ request }: LoaderFunctionArgs) {
  if (authMode() === "clerk") throw notFound();
  const returnTo = safeReturnTo(readSearch(request).get("returnTo"));
  return {
    returnTo,
    identities: DEMO_IDENTITIES.map(({ userId, name, memberships: [first] }) => ({
      userId,
      name,
      orgName: first ? findDemoOrganization(first.orgId)!.name : "Personal account",
      orgRole: first?.role ?? null,
      backendRole: backendRoleForOrgRole(first?.role ?? null),
    })),
  };
}

export async function action(args: ActionFunctionArgs) {
  const { request } = args;
  if (authMode() === "clerk") throw notFound();
  requireMutation(request);
  const form = await readForm(request);
  const identity = findDemoIdentity(form.get("identity"));
  if (!identity) return data({ error: "Choose one of the demo identities." }, { status: 400 });
  // Signing in again ends whatever session this browser had.
  await endLocalSession(args);
  const [first] = identity.memberships;
  const cookie = await beginLocalSession(request, {
    userId: identity.userId,
    org: first ? { id: first.orgId, role: first.role } : null,
  });
  return redirect(safeReturnTo(form.get("returnTo")), { headers: { "Set-Cookie": cookie } });
}

export default function SignIn() {
  const { identities, returnTo } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const pendingIdentity = navigation.state !== "idle" ? navigation.formData?.get("identity") : null;
  return (
    <section className="mx-auto max-w-xl">
      <h1 className="text-2xl font-semibold">Sign in</h1>
      <p className="mt-1 text-slate-600">
        Local identity provider. Pick a demo identity: it signs in with its first organization
        active, whose role maps to a Postgres role.
      </p>
      {actionData?.error ? (
        <p role="alert" className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-700">
          {actionData.error}
        </p>
      ) : null}
      <Form method="post" className="mt-6 grid gap-3 sm:grid-cols-2">
        <input type="hidden" name="returnTo" value={returnTo} />
        {identities.map((identity) => (
          <button
            key={identity.userId}
            type="submit"
            name="identity"
            value={identity.userId}
            disabled={pendingIdentity != null}
            className="rounded-lg border border-slate-200 bg-white p-4 text-left shadow-sm transition hover:border-indigo-400 disabled:opacity-60"
          >
            <span className="block font-medium">
              {identity.name}{" "}
              {pendingIdentity === identity.userId ? (
                <span className="text-sm text-slate-500">signing in…</span>
              ) : null}
            </span>
            <span className="block font-mono text-xs text-slate-500">{identity.userId}</span>
            <span className="mt-2 block text-xs text-slate-600">
              {identity.orgName} · {identity.orgRole ?? "no organization"} →{" "}
              <span className="font-mono">{identity.backendRole}</span>
            </span>
          </button>
        ))}
      </Form>
    </section>
  );
}
