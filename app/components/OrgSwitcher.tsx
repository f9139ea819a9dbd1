import { Form, useLocation, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { useHydrated } from "./useHydrated";
import { SubmitButton } from "./SubmitButton";
import type { ClerkOrgRole } from "../../roles/roles";

export interface SwitchableIdentity {
  userId: string;
  name: string;
  memberships: { orgId: string; orgName: string; role: ClerkOrgRole }[];
}

const select =
  "rounded-md border border-slate-300 bg-white px-1.5 py-1 text-xs focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";

/**
 * Local provider only, and what Clerk's OrganizationSwitcher is: run the next
 * requests as an identity with one of its own organizations active, or in its
 * personal account. A plain form post: without JavaScript the organization
 * list holds every person's organizations, grouped by person; with it, only
 * the chosen person's.
 */
export function OrgSwitcher({
  identities,
  current,
}: {
  identities: SwitchableIdentity[];
  current: { userId: string; orgId: string | null };
}) {
  const location = useLocation();
  const navigation = useNavigation();
  const switching = navigation.state !== "idle" && navigation.formAction === "/switch";
  const [chosen, setChosen] = useState(current.userId);
  // Signing in as someone else starts the choice afresh.
  const [signedIn, setSignedIn] = useState(current.userId);
  if (signedIn !== current.userId) {
    setSignedIn(current.userId);
    setChosen(current.userId);
  }
  const hydrated = useHydrated();
  const groups = hydrated
    ? identities.filter((identity) => identity.userId === chosen)
    : identities;
  const defaultOrg =
    chosen === current.userId
      ? (current.orgId ?? "")
      : (identities.find((identity) => identity.userId === chosen)?.memberships[0]?.orgId ?? "");
  return (
    <Form
      method="post"
      action="/switch"
      className="flex flex-wrap items-center gap-1"
      aria-label="Switch identity and organization"
    >
      <input type="hidden" name="returnTo" value={location.pathname + location.search} />
      <select
        name="identity"
        value={chosen}
        onChange={(event) => setChosen(event.target.value)}
        aria-label="Identity"
        className={select}
      >
        {identities.map((identity) => (
          <option key={identity.userId} value={identity.userId}>
            {identity.name} ({identity.userId})
          </option>
        ))}
      </select>
      <select
        name="org"
        defaultValue={defaultOrg}
        aria-label="Organization"
        className={select}
        key={`${chosen}-${current.orgId}-${hydrated}`}
      >
        <option value="">Personal account</option>
        {groups.map((identity) => (
          <optgroup key={identity.userId} label={identity.name}>
            {identity.memberships.map((membership) => (
              <option key={`${identity.userId}-${membership.orgId}`} value={membership.orgId}>
                {membership.orgName} ({membership.role})
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <SubmitButton
        pending={switching}
        pendingLabel="Switching…"
        className="rounded-md bg-indigo-600 px-2 py-1 text-xs font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
      >
        Switch
      </SubmitButton>
    </Form>
  );
}
