import { OrganizationSwitcher, UserButton } from "@clerk/remix";
import { Form, NavLink, useNavigation } from "@remix-run/react";
import type { Capabilities } from "../../roles/capabilities";
import type { BackendRole, ClerkOrgRole } from "../../roles/roles";
import { HeaderMenu } from "./HeaderMenu";
import { SubmitButton } from "./SubmitButton";
import { OrgSwitcher, type SwitchableIdentity } from "./OrgSwitcher";

export interface HeaderIdentity {
  userId: string;
  orgId: string | null;
  /** The active organization's name where the directory knows it, else its id; "Personal account" without one. */
  orgName: string;
  orgRole: ClerkOrgRole | null;
  backendRole: BackendRole;
  capabilities: Capabilities;
}

const navClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-2 py-1 text-sm font-medium ${isActive ? "bg-indigo-50 text-indigo-700" : "text-slate-600 hover:bg-slate-100"}`;

function Badge({ label, value, title }: { label: string; value: string; title: string }) {
  return (
    <span
      title={title}
      className="inline-flex max-w-full items-center gap-1 rounded-md bg-slate-100 px-2 py-1 text-xs text-slate-700"
    >
      <span className="shrink-0 text-slate-600">{label}</span>
      <span
        className="min-w-0 font-mono font-medium wrap-anywhere"
        data-testid={`header-${label.toLowerCase().replace(/\s+/g, "-")}`}
      >
        {value}
      </span>
    </span>
  );
}

interface AppHeaderProps {
  identity: HeaderIdentity | null;
  authMode: "clerk" | "local";
  /** The local provider's demo identities (empty in Clerk mode). */
  switchable: SwitchableIdentity[];
}

export function AppHeader({ identity, authMode, switchable }: AppHeaderProps) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
        <a href="/todos" className="text-lg font-semibold tracking-tight text-indigo-700">
          Warden
        </a>
        {identity ? (
          <nav aria-label="Main" className="flex flex-wrap gap-1">
            <NavLink to="/todos" className={navClass}>
              Todos
            </NavLink>
            {identity.capabilities.review ? (
              <NavLink to="/review" className={navClass}>
                Review
              </NavLink>
            ) : null}
            {identity.capabilities.readAudit ? (
              <NavLink to="/audit" className={navClass}>
                Audit
              </NavLink>
            ) : null}
            <NavLink to="/help" className={navClass}>
              Help
            </NavLink>
          </nav>
        ) : null}
        {identity ? (
          <HeaderMenu label="Account">
            <Badge label="User" value={identity.userId} title="Signed-in identity" />
            <Badge
              label="Organization"
              value={identity.orgName}
              title="The active organization: every row you see or change belongs to it"
            />
            <Badge
              label="Clerk role"
              value={identity.orgRole ?? "none"}
              title="Organization role in the session token"
            />
            <Badge
              label="Postgres role"
              value={identity.backendRole}
              title="The database role this request runs as"
            />
            {authMode === "clerk" ? (
              <>
                <OrganizationSwitcher
                  hidePersonal={false}
                  afterSelectOrganizationUrl="/todos"
                  afterSelectPersonalUrl="/todos"
                />
                <UserButton />
              </>
            ) : (
              <>
                <OrgSwitcher identities={switchable} current={identity} />
                <SignOut />
              </>
            )}
          </HeaderMenu>
        ) : (
          <span className="ml-auto text-sm text-slate-600">Not signed in</span>
        )}
      </div>
    </header>
  );
}

function SignOut() {
  const navigation = useNavigation();
  const signingOut = navigation.state !== "idle" && navigation.formAction === "/sign-out";
  return (
    <Form method="post" action="/sign-out">
      <SubmitButton
        pending={signingOut}
        pendingLabel="Signing out…"
        className="rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 disabled:opacity-60"
      >
        Sign out
      </SubmitButton>
    </Form>
  );
}
