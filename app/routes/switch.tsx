import { json, redirect, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { findDemoIdentity } from "../auth/demo-identities";
import { signLocalToken } from "../auth/local-idp.server";
import { authMode } from "../auth/mode.server";
import { storeLocalToken } from "../auth/session.server";
import { safeReturnTo } from "../auth/return-to";

/**
 * The local provider's role switcher: a new session token for the chosen
 * identity and org role, then back to the same page, which the next request
 * serves through the connection of the new role. In Clerk mode, Clerk's
 * OrganizationSwitcher does this and this route does not exist.
 */
const ROLE_CHOICES = ["own", "org:member", "org:moderator", "org:admin", "none"] as const;
const switchForm = z.object({
  identity: z.string({ error: "Choose an identity." }),
  role: z.enum(ROLE_CHOICES, { error: "Choose a role: member, moderator, admin or no organization." }).default("own"),
});

const notFound = () => new Response("Not found", { status: 404 });

export const loader = () => {
  throw notFound();
};

export async function action({ request }: ActionFunctionArgs) {
  if (authMode() === "clerk") throw notFound();
  const form = await request.formData();
  const parsed = switchForm.safeParse({ identity: form.get("identity") ?? undefined, role: form.get("role") || undefined });
  if (!parsed.success) throw json({ message: parsed.error.issues[0].message }, { status: 400 });
  const identity = findDemoIdentity(parsed.data.identity);
  if (!identity) throw json({ message: "Choose one of the demo identities." }, { status: 400 });
  const { role } = parsed.data;
  const orgRole = role === "own" ? identity.orgRole : role === "none" ? null : role;
  const token = await signLocalToken({ userId: identity.userId, orgRole });
  return redirect(safeReturnTo(form.get("returnTo")), { status: 303, headers: { "Set-Cookie": await storeLocalToken(request, token) } });
}
export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";
