import { createCookie } from "@remix-run/node";

/**
 * A one-shot message carried across a post/redirect/get, e.g. "Marked 12
 * todos complete." It is display text only, read once and cleared.
 */
const flashCookie = createCookie("__warden_flash", { path: "/", httpOnly: true, sameSite: "lax", maxAge: 60 });

export function setFlash(message: string): Promise<string> {
  return flashCookie.serialize(message);
}

export async function readFlash(request: Request): Promise<{ message: string | null; clear: string | null }> {
  const message = await flashCookie.parse(request.headers.get("Cookie"));
  if (typeof message !== "string") return { message: null, clear: null };
  return { message, clear: await flashCookie.serialize("", { maxAge: 0 }) };
}
