import { Form, useLocation, useNavigation } from "@remix-run/react";
import type { ClerkOrgRole } from "../../roles/roles";

export interface SwitchableIdentity {
  userId: string;
  name: string;
  orgRole: ClerkOrgRole;
}

const select = "rounded-md border border-slate-300 bg-white px-1.5 py-1 text-xs focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";

/**
 * Local provider only: run the next requests as another identity and/or org
 * role, without signing out. A plain form post, so it works without JavaScript.
 */
export function RoleSwitcher({ identities, current }: { identities: SwitchableIdentity[]; current: { userId: string; orgRole: ClerkOrgRole | null } }) {
  const location = useLocation();
  const navigation = useNavigation();
  const switching = navigation.state !== "idle" && navigation.formAction === "/switch";
  const own = identities.find((identity) => identity.userId === current.userId)?.orgRole;
  const currentRole = current.orgRole === own ? "own" : (current.orgRole ?? "none");
  return (
    <Form method="post" action="/switch" className="flex items-center gap-1" aria-label="Switch identity and role">
      <input type="hidden" name="returnTo" value={location.pathname + location.search} />
      <select name="identity" defaultValue={current.userId} aria-label="Identity" className={select} key={`i-${current.userId}`}>
        {identities.map((identity) => (
          <option key={identity.userId} value={identity.userId}>
            {identity.name} ({identity.userId})
          </option>
        ))}
      </select>
      <select name="role" defaultValue={currentRole} aria-label="Org role" className={select} key={`r-${current.userId}-${currentRole}`}>
        <option value="own">their own role</option>
        <option value="org:member">org:member</option>
        <option value="org:moderator">org:moderator</option>
        <option value="org:admin">org:admin</option>
        <option value="none">no organization</option>
      </select>
      <button type="submit" disabled={switching} className="rounded-md bg-indigo-600 px-2 py-1 text-xs font-medium text-white hover:bg-indigo-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60">
        {switching ? "Switching…" : "Switch"}
      </button>
    </Form>
  );
}
