import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createCookieSessionStorage, type SessionStorage } from "@remix-run/node";
import { LOCAL_TOKEN_TTL_SECONDS } from "./local-idp.server";
import { localDataDir } from "./mode.server";

/**
 * The local identity provider's session: a signed, httpOnly cookie holding
 * the session token. The token, not the cookie, is what the database layer
 * trusts; the cookie signature only keeps the jar tidy.
 */
export const SESSION_MAX_AGE_SECONDS = LOCAL_TOKEN_TTL_SECONDS;

let storage: Promise<SessionStorage> | undefined;

async function cookieSecret(): Promise<string> {
  if (process.env.WARDEN_SESSION_SECRET) return process.env.WARDEN_SESSION_SECRET;
  const file = path.join(localDataDir(), "idp", "session-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, randomBytes(32).toString("base64url"), { flag: "wx", mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    return readFileSync(file, "utf8").trim();
  }
}

function sessionStorage(): Promise<SessionStorage> {
  storage ??= cookieSecret().then((secret) =>
    createCookieSessionStorage({
      cookie: {
        name: "__warden_session",
        httpOnly: true,
        sameSite: "lax",
        path: "/",
        // The local provider only serves loopback over plain HTTP.
        secure: false,
        secrets: [secret],
        maxAge: SESSION_MAX_AGE_SECONDS,
      },
    }),
  );
  return storage;
}

export async function readLocalToken(request: Request): Promise<string | null> {
  const session = await (await sessionStorage()).getSession(request.headers.get("Cookie"));
  const token = session.get("token");
  return typeof token === "string" ? token : null;
}

/** Returns the Set-Cookie header value that stores `token`. */
export async function storeLocalToken(request: Request, token: string): Promise<string> {
  const store = await sessionStorage();
  const session = await store.getSession(request.headers.get("Cookie"));
  session.set("token", token);
  return store.commitSession(session);
}

export async function clearLocalSession(request: Request): Promise<string> {
  const store = await sessionStorage();
  return store.destroySession(await store.getSession(request.headers.get("Cookie")));
}
