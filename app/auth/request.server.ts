import { getAuth } from "@clerk/remix/ssr.server";
import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { authMode } from "./mode.server";
import { readLocalToken } from "./session.server";
import { TokenRejectedError, type Identity } from "./token.server";
import { tokenVerifier } from "./verifier.server";

type RequestArgs = Pick<LoaderFunctionArgs, "request" | "params" | "context">;

function signInRedirect(request: Request) {
  if (authMode() === "clerk") return redirect("/");
  const { pathname, search } = new URL(request.url);
  return redirect(`/sign-in?returnTo=${encodeURIComponent(pathname + search)}`);
}

/** The caller's session token, from Clerk or the local provider; without one, a redirect to sign in. */
export async function requireSessionToken(args: RequestArgs): Promise<string> {
  let token: string | null;
  if (authMode() === "clerk") {
    const auth = await getAuth(args as LoaderFunctionArgs);
    token = auth.userId ? await auth.getToken() : null;
  } else {
    token = await readLocalToken(args.request);
  }
  if (!token) throw signInRedirect(args.request);
  return token;
}

/** Who is asking, for display only (the header); `null` when signed out or the token is bad. */
export async function displayIdentity(args: RequestArgs): Promise<Identity | null> {
  try {
    const token = await requireSessionToken(args);
    return await (await tokenVerifier()).verify(token);
  } catch (error) {
    if (error instanceof Response || error instanceof TokenRejectedError) return null;
    throw error;
  }
}
