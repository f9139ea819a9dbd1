import { ClerkApp } from "@clerk/remix";
import { rootAuthLoader } from "@clerk/remix/ssr.server";
import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useRouteError,
} from "@remix-run/react";
import { capabilitiesOf } from "../roles/capabilities";
import { DEMO_IDENTITIES, findDemoOrganization } from "../db/demo-identities";
import type { Identity } from "../roles/identity";
import { optionalIdentity } from "./auth/request.server";
import { config } from "./config.server";
import { AppHeader, type HeaderIdentity } from "./components/AppHeader";
import type { SwitchableIdentity } from "./components/OrgSwitcher";
import { ErrorPanel } from "./components/ErrorPanel";
import { useNonce } from "./lib/nonce";
import stylesheet from "./tailwind.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];
export const meta: MetaFunction = () => [{ title: "Warden" }];

/** Clerk's v2 tokens carry the active organization's slug (`o.slg`); its name needs the directory. */
function organizationSlug(identity: Identity): string | null {
  const o = identity.claims.o as { slg?: unknown } | undefined;
  return typeof o?.slg === "string" ? o.slg : null;
}

export async function loader(args: LoaderFunctionArgs) {
  const identity = await optionalIdentity(args);
  const header: HeaderIdentity | null = identity && {
    userId: identity.userId,
    orgId: identity.orgId,
    orgName: identity.orgId
      ? (findDemoOrganization(identity.orgId)?.name ?? organizationSlug(identity) ?? identity.orgId)
      : "Personal account",
    orgRole: identity.orgRole,
    backendRole: identity.backendRole,
    capabilities: capabilitiesOf(identity.backendRole),
  };
  const { identity: provider } = config();
  if (provider.provider === "clerk") {
    return rootAuthLoader(args, () => ({
      authMode: "clerk" as const,
      demo: false,
      identity: header,
      switchable: [] as SwitchableIdentity[],
    }));
  }
  const switchable: SwitchableIdentity[] = DEMO_IDENTITIES.map(({ userId, name, memberships }) => ({
    userId,
    name,
    memberships: memberships.map(({ orgId, role }) => ({
      orgId,
      orgName: findDemoOrganization(orgId)!.name,
      role,
    })),
  }));
  return {
    authMode: "local" as const,
    demo: provider.demoOptIn,
    identity: header,
    switchable,
  };
}

function Document({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="min-h-full bg-slate-50 text-slate-900 antialiased">
        <a
          href="#main"
          className="sr-only rounded-md bg-white px-3 py-2 text-sm font-medium text-indigo-700 focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-30"
        >
          Skip to content
        </a>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function App() {
  const data = useLoaderData<typeof loader>();
  return (
    <Document>
      {data.demo ? (
        <p
          role="alert"
          className="bg-amber-300 px-4 py-2 text-center text-sm font-medium text-amber-950"
          data-testid="demo-banner"
        >
          Demo sign-in is on: anyone can sign in as any demo identity, including an admin. Do not
          keep real data here.
        </p>
      ) : null}
      <AppHeader identity={data.identity} authMode={data.authMode} switchable={data.switchable} />
      <main id="main" tabIndex={-1} className="mx-auto max-w-5xl px-4 py-6 focus:outline-none">
        <Outlet />
      </main>
    </Document>
  );
}

// Clerk's provider needs rootAuthLoader's data, which exists only in Clerk mode.
const ClerkRoot = ClerkApp(App);

export default function Root() {
  const data = useLoaderData<typeof loader>();
  return data.authMode === "clerk" ? <ClerkRoot /> : <App />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return (
    <Document>
      <main id="main" tabIndex={-1} className="mx-auto max-w-3xl px-4 py-10 focus:outline-none">
        <ErrorPanel
          status={status}
          message={isRouteErrorResponse(error) ? error.data?.message : undefined}
        />
      </main>
    </Document>
  );
}
