import { createCookieSessionStorage, type SessionStorage } from "@remix-run/node";
import { cookieSecret } from "../lib/cookie-secret.server";
import { secureCookies } from "../lib/security-headers.server";
import { LOCAL_TOKEN_TTL_SECONDS } from "./local-idp.server";

/**
 * The local identity provider's session: a signed, httpOnly cookie holding
 * the session token. The token, not the cookie, is what the database layer
 * trusts, and it counts only while its server-side session record lives.
 */
const SESSION_MAX_AGE_SECONDS = LOCAL_TOKEN_TTL_SECONDS;

const storages = new Map<boolean, Promise<SessionStorage>>();

function sessionStorage(request: Request): Promise<SessionStorage> {
  const secure = secureCookies(request);
  let storage = storages.get(secure);
  if (!storage) {
    storage = cookieSecret().then((secret) =>
      createCookieSessionStorage({
        cookie: {
          name: "__warden_session",
          httpOnly: true,
          sameSite: "lax",
          path: "/",
          secure,
          secrets: [secret],
          maxAge: SESSION_MAX_AGE_SECONDS,
        },
      }),
    );
    storages.set(secure, storage);
  }
  return storage;
}

export async function readLocalToken(request: Request): Promise<string | null> {
  const session = await (await sessionStorage(request)).getSession(request.headers.get("Cookie"));
  const token = session.get("token");
  return typeof token === "string" ? token : null;
}

/** Returns the Set-Cookie header value that stores `token`. */
export async function storeLocalToken(request: Request, token: string): Promise<string> {
  const store = await sessionStorage(request);
  const session = await store.getSession(request.headers.get("Cookie"));
  session.set("token", token);
  return store.commitSession(session);
}

export async function clearLocalSession(request: Request): Promise<string> {
  const store = await sessionStorage(request);
  return store.destroySession(await store.getSession(request.headers.get("Cookie")));
}
