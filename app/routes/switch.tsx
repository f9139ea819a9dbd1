import { json, redirect, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { findDemoIdentity } from "../../db/demo-identities";
import { beginLocalSession, endLocalSession } from "../auth/local-session.server";
import { requireIdentity } from "../auth/request.server";
import { safeReturnTo } from "../auth/return-to";
import { authMode } from "../config.server";
import { readForm, requireMutation } from "../lib/edge.server";
import { sessionRejected } from "../lib/scoped.server";

/**
 * The local provider's role switcher: a new session token for the chosen
 * identity and org role, then back to the same page, which the next request
 * serves through the connection of the new role. The old session ends, so
 * its cookie is worthless afterwards. In Clerk mode, Clerk's
 * OrganizationSwitcher does this and this route does not exist.
 */
const ROLE_CHOICES = ["own", "org:member", "org:moderator", "org:admin", "none"] as const;

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
  // Built here, not at module scope, so the schema never reaches the browser's bundle.
  const switchForm = z.object({
    identity: z.string({ error: "Choose an identity." }),
    role: z.enum(ROLE_CHOICES, { error: "Choose a role: member, moderator, admin or no organization." }).default("own"),
  });
  const parsed = switchForm.safeParse({ identity: form.get("identity") ?? undefined, role: form.get("role") || undefined });
  if (!parsed.success) throw json({ message: parsed.error.issues[0].message }, { status: 400 });
  const identity = findDemoIdentity(parsed.data.identity);
  if (!identity) throw json({ message: "Choose one of the demo identities." }, { status: 400 });
  const { role } = parsed.data;
  const orgRole = role === "own" ? identity.orgRole : role === "none" ? null : role;
  // Only a live session may hand over to a new one: a copied cookie of an ended session cannot switch its way back in.
  if (!(await endLocalSession(args))) throw sessionRejected();
  const cookie = await beginLocalSession(request, { userId: identity.userId, orgRole });
  return redirect(safeReturnTo(form.get("returnTo")), { status: 303, headers: { "Set-Cookie": cookie } });
}
export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";
