import { createCookie, type Cookie } from "@remix-run/node";
import { cookieSecret } from "./cookie-secret.server";
import { secureCookies } from "./security-headers.server";

/**
 * A one-shot message carried across a post/redirect/get, e.g. "Marked 12
 * todos complete." Signed, so no other page on the site can put words in the
 * app's mouth; read once and cleared.
 */
const cookies = new Map<boolean, Promise<Cookie>>();

function flashCookie(request: Request): Promise<Cookie> {
  const secure = secureCookies(request);
  let cookie = cookies.get(secure);
  if (!cookie) {
    cookie = cookieSecret().then((secret) => createCookie("__warden_flash", { path: "/", httpOnly: true, sameSite: "lax", secure, maxAge: 60, secrets: [secret] }));
    cookies.set(secure, cookie);
  }
  return cookie;
}

export async function setFlash(request: Request, message: string): Promise<string> {
  return (await flashCookie(request)).serialize(message);
}

export async function readFlash(request: Request): Promise<{ message: string | null; clear: string | null }> {
  const cookie = await flashCookie(request);
  const message = await cookie.parse(request.headers.get("Cookie"));
  if (typeof message !== "string") return { message: null, clear: null };
  return { message, clear: await cookie.serialize("", { maxAge: 0 }) };
}
