import { getAuth } from "@clerk/remix/ssr.server";
import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { authMode } from "../config.server";
import { sessionRejected } from "../lib/scoped.server";
import { readLocalToken } from "./session.server";
import { TokenRejectedError, type Identity } from "./token.server";
import { tokenVerifier } from "./verifier.server";

type RequestArgs = Pick<LoaderFunctionArgs, "request" | "context">;

/** Signed out, signed in as a verified identity, or holding a token that failed verification. */
type Resolution =
  { kind: "signed-out" } | { kind: "rejected" } | { kind: "identity"; identity: Identity };

async function sessionToken(args: RequestArgs): Promise<string | null> {
  if (authMode() === "clerk") {
    const auth = await getAuth(args as LoaderFunctionArgs);
    return auth.userId ? await auth.getToken() : null;
  }
  return readLocalToken(args.request);
}

/**
 * Verification needs no connection, so the capability checks that follow
 * it answer before any is taken. (The local provider's server-side session
 * is checked by the first statement of the request's scoped transaction.)
 */
async function resolve(args: RequestArgs): Promise<Resolution> {
  const token = await sessionToken(args);
  if (!token) return { kind: "signed-out" };
  try {
    return { kind: "identity", identity: await (await tokenVerifier()).verify(token) };
  } catch (error) {
    if (error instanceof TokenRejectedError) return { kind: "rejected" };
    throw error;
  }
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

/** The verified caller; without a session, a redirect to sign in; with a bad token, 401. */
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
