import { getAuth } from "@clerk/remix/ssr.server";
import { json, redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { isSessionLive } from "../../db/sessions.server";
import { sessionIdOf } from "../../roles/identity";
import { authMode } from "../config.server";
import { scoped } from "../lib/scoped.server";
import { readLocalToken } from "./session.server";
import { TokenRejectedError, type Identity } from "./token.server";
import { tokenVerifier } from "./verifier.server";

type RequestArgs = Pick<LoaderFunctionArgs, "request" | "context">;

/** Signed out, or signed in as a verified identity; a bad token or ended session is `rejected`. */
type Resolution = { kind: "signed-out" } | { kind: "rejected" } | { kind: "identity"; identity: Identity };

async function sessionToken(args: RequestArgs): Promise<string | null> {
  if (authMode() === "clerk") {
    const auth = await getAuth(args as LoaderFunctionArgs);
    return auth.userId ? await auth.getToken() : null;
  }
  return readLocalToken(args.request);
}

async function resolve(args: RequestArgs): Promise<Resolution> {
  const token = await sessionToken(args);
  if (!token) return { kind: "signed-out" };
  let identity: Identity;
  try {
    identity = await (await tokenVerifier()).verify(token);
  } catch (error) {
    if (error instanceof TokenRejectedError) return { kind: "rejected" };
    throw error;
  }
  // The local provider's tokens count only while their server-side session
  // lives: sign-out and switch end it. Clerk ends its own sessions.
  if (authMode() === "local") {
    const sid = sessionIdOf(identity);
    if (!sid || !(await scoped(identity, (tx) => isSessionLive(tx, sid)))) return { kind: "rejected" };
  }
  return { kind: "identity", identity };
}

// Root and route loaders of one request share its load context: the token is
// verified once per request, whichever asks first.
const perRequest = new WeakMap<object, Promise<Resolution>>();

function resolution(args: RequestArgs): Promise<Resolution> {
  const key = args.context as object | undefined;
  if (!key) return resolve(args);
  let pending = perRequest.get(key);
  if (!pending) {
    pending = resolve(args);
    perRequest.set(key, pending);
  }
  return pending;
}

function signInRedirect(request: Request) {
  if (authMode() === "clerk") return redirect("/");
  const { pathname, search } = new URL(request.url);
  return redirect(`/sign-in?returnTo=${encodeURIComponent(pathname + search)}`);
}

export const sessionRejected = () => json({ message: "Your session is no longer valid. Please sign in again." }, { status: 401 });

/** The verified caller; without a session, a redirect to sign in; with a bad token or an ended session, 401. */
export async function requireIdentity(args: RequestArgs): Promise<Identity> {
  const resolved = await resolution(args);
  if (resolved.kind === "signed-out") throw signInRedirect(args.request);
  if (resolved.kind === "rejected") throw sessionRejected();
  return resolved.identity;
}

/** The verified caller or `null` (signed out, rejected): for the header, which shows but never decides. */
export async function optionalIdentity(args: RequestArgs): Promise<Identity | null> {
  try {
    const resolved = await resolution(args);
    return resolved.kind === "identity" ? resolved.identity : null;
  } catch (error) {
    if (error instanceof Response) return null;
    throw error;
  }
}
