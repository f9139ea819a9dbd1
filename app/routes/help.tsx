import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { backendRoleForOrgRole, type ClerkOrgRole } from "../../roles/roles";
import { requireIdentity } from "../auth/request.server";
import { ShortcutList } from "../components/ShortcutHelp";

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteErrorBoundary";

export const meta: MetaFunction = () => [{ title: "Help · Warden" }];

/** Everything here is the same for everyone, so the page answers from the session token alone. */
export async function loader(args: LoaderFunctionArgs) {
  const identity = await requireIdentity(args);
  return { backendRole: identity.backendRole };
}

const ROLES: { orgRole: ClerkOrgRole; name: string; may: string[] }[] = [
  {
    orgRole: "org:member",
    name: "Member",
    may: ["See and change your own todos", "See the verdicts and notes on your own todos"],
  },
  {
    orgRole: "org:moderator",
    name: "Moderator",
    may: [
      "See every todo in the organization",
      "Change only your own todos",
      "Claim, approve or flag anyone's todos but your own in the review queue (a flag needs a reason)",
      "Escalate a todo to the admins",
    ],
  },
  {
    orgRole: "org:admin",
    name: "Admin",
    may: [
      "See and change every todo in the organization",
      "Review in the queue, as moderators do",
      "Resolve escalations",
      "Bulk edit: complete, reopen, reassign or delete many todos at once",
      "Read the organization's audit log",
    ],
  },
];

export default function Help() {
  const { backendRole } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-semibold">Help</h1>
      <section aria-labelledby="shortcuts">
        <h2 id="shortcuts" className="text-lg font-semibold">
          Review queue shortcuts
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          On the review queue, with an item focused (and not while typing a note):
        </p>
        <div className="mt-3 max-w-md">
          <ShortcutList />
        </div>
      </section>
      <section aria-labelledby="roles">
        <h2 id="roles" className="text-lg font-semibold">
          What each role may do
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          A role counts only inside the organization that granted it; in your personal account you
          are a member. The database enforces the same rules whatever the pages offer.
        </p>
        <ul className="mt-3 grid gap-3 sm:grid-cols-3">
          {ROLES.map((role) => {
            const yours = backendRoleForOrgRole(role.orgRole) === backendRole;
            return (
              <li
                key={role.orgRole}
                data-testid="role-help"
                data-role={role.orgRole}
                aria-current={yours ? "true" : undefined}
                className={`rounded-lg border bg-white p-4 text-sm shadow-sm ${yours ? "border-indigo-400" : "border-slate-200"}`}
              >
                <h3 className="font-medium">
                  {role.name}{" "}
                  {yours ? (
                    <span className="text-xs font-normal text-indigo-700">(your role here)</span>
                  ) : null}
                </h3>
                <p className="font-mono text-xs text-slate-500">
                  {role.orgRole} → {backendRoleForOrgRole(role.orgRole)}
                </p>
                <ul className="mt-2 list-disc space-y-1 pl-4 text-slate-700">
                  {role.may.map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}
