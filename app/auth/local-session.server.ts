import { endSession, startSession } from "../../db/sessions.server";
import type { ClerkOrgRole } from "../../roles/roles";
import { sessionIdOf } from "../../roles/identity";
import { scopedAtOnce } from "../lib/scoped.server";
import { signLocalToken } from "./local-idp.server";
import { optionalIdentity } from "./request.server";
import { storeLocalToken } from "./session.server";
import { tokenVerifier } from "./verifier.server";

type RequestArgs = Parameters<typeof optionalIdentity>[0];

/**
 * Starts a local-provider session: a fresh token with its own session id,
 * whose record is written under that token's own claims. Returns the
 * Set-Cookie value that carries it.
 */
export async function beginLocalSession(
  request: Request,
  who: { userId: string; org: { id: string; role: ClerkOrgRole } | null },
): Promise<string> {
  const token = await signLocalToken(who);
  const identity = await (await tokenVerifier()).verify(token);
  const expiresAt = new Date(Number(identity.claims.exp) * 1000);
  await scopedAtOnce(
    identity,
    (tx) => startSession(tx, { id: sessionIdOf(identity)!, expiresAt }),
    { session: "any" },
  );
  return storeLocalToken(request, token);
}

/**
 * Ends the caller's session, when there is a valid one: the cookie it rode
 * in is then worth nothing. True when a live session was ended.
 */
export async function endLocalSession(args: RequestArgs): Promise<boolean> {
  const identity = await optionalIdentity(args);
  const sid = identity && sessionIdOf(identity);
  if (!identity || !sid) return false;
  return scopedAtOnce(identity, (tx) => endSession(tx, sid), { session: "any" });
}
