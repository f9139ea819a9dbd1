import { createCookie, type Cookie } from "@remix-run/node";
import { cookieSecret } from "./cookie-secret.server";
import { secureCookies } from "./security-headers.server";

/**
 * A one-shot message carried across a post/redirect/get, e.g. "Marked 12
 * todos complete.", with the transaction to offer to undo when there is one.
 * Signed, so no other page on the site can put words in the app's mouth;
 * read once and cleared.
 */
export interface Flash {
  text: string;
  /** The transaction the message is about, for an Undo button (decision 019). */
  undo?: number;
}

const isFlash = (value: unknown): value is Flash =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Flash).text === "string" &&
  ((value as Flash).undo === undefined || Number.isSafeInteger((value as Flash).undo));

const cookies = new Map<boolean, Promise<Cookie>>();

function flashCookie(request: Request): Promise<Cookie> {
  const secure = secureCookies(request);
  let cookie = cookies.get(secure);
  if (!cookie) {
    cookie = cookieSecret().then((secret) =>
      createCookie("__warden_flash", {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure,
        maxAge: 60,
        secrets: [secret],
      }),
    );
    cookies.set(secure, cookie);
  }
  return cookie;
}

export async function setFlash(request: Request, flash: Flash): Promise<string> {
  return (await flashCookie(request)).serialize(flash);
}

export async function readFlash(
  request: Request,
): Promise<{ message: Flash | null; clear: string | null }> {
  const cookie = await flashCookie(request);
  const message: unknown = await cookie.parse(request.headers.get("Cookie"));
  if (!isFlash(message)) return { message: null, clear: null };
  return {
    message: { text: message.text, undo: message.undo },
    clear: await cookie.serialize("", { maxAge: 0 }),
  };
}
