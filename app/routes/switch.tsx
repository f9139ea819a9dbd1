import { data, redirect, type ActionFunctionArgs } from "@remix-run/node";
import { demoMembership, findDemoIdentity, findDemoOrganization } from "../../db/demo-identities";
import { beginLocalSession, endLocalSession } from "../auth/local-session.server";
import { requireIdentity } from "../auth/request.server";
import { safeReturnTo } from "../auth/return-to";
import { authMode } from "../config.server";
import { readForm, requireMutation } from "../lib/edge.server";
import { sessionRejected } from "../lib/scoped.server";

/**
 * The local provider's organization switcher, as Clerk's
 * OrganizationSwitcher is: a new session token for the chosen identity with
 * one of that identity's organizations active (or none: the personal
 * workspace), then back to the same page, which the next request serves
 * through the connection of the role that organization grants. The old
 * session ends, so its cookie is worthless afterwards. In Clerk mode, Clerk's
 * OrganizationSwitcher does this and this route does not exist.
 */
const notFound = () => new Response("Not found", { status: 404 });

export const loader = () => {
  throw notFound();
};

export async function action(args: ActionFunctionArgs) {
  const { request } = args;
  if (authMode() === "clerk") throw notFound();
  requireMutation(request);
  await requireIdentity(args);
  const form = await readForm(request);
  const identity = findDemoIdentity(form.get("identity"));
  if (!identity) throw data({ message: "Choose one of the demo identities." }, { status: 400 });
  // Empty (or absent) means the personal account.
  const orgId = form.get("org") ?? "";
  let org: { id: string; role: (typeof identity.memberships)[number]["role"] } | null = null;
  if (orgId !== "") {
    const membership = typeof orgId === "string" ? demoMembership(identity, orgId) : undefined;
    if (!membership) {
      const name = findDemoOrganization(orgId)?.name ?? "that organization";
      throw data(
        { message: `${identity.name} is not a member of ${name}. Nothing was changed.` },
        { status: 400 },
      );
    }
    org = { id: membership.orgId, role: membership.role };
  }
  // Only a live session may hand over to a new one: a copied cookie of an ended session cannot switch its way back in.
  if (!(await endLocalSession(args))) throw sessionRejected();
  const cookie = await beginLocalSession(request, { userId: identity.userId, org });
  return redirect(safeReturnTo(form.get("returnTo")), {
    status: 303,
    headers: { "Set-Cookie": cookie },
  });
}
export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";
