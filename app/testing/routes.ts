import { expect } from "vitest";
import { action as signIn } from "../routes/sign-in";

/** Calling route modules directly, with real requests and real session cookies. */
export const URL_BASE = "http://localhost";

export const args = (request: Request) => ({ request, params: {}, context: {} });

/** A form post as the app's own pages send it: from the app's origin. */
export function formPost(
  url: string,
  body: URLSearchParams | Record<string, string> | [string, string][],
  cookie?: string | null,
): Request {
  const headers = new Headers({
    Origin: URL_BASE,
    "Sec-Fetch-Site": "same-origin",
    "Content-Type": "application/x-www-form-urlencoded",
  });
  if (cookie) headers.set("Cookie", cookie);
  return new Request(url.startsWith("/") ? `${URL_BASE}${url}` : url, {
    method: "POST",
    body: new URLSearchParams(body),
    headers,
  });
}

/** Remix routes answer by returning or by throwing a Response; tests need to know which. */
export async function settle(
  run: () => Promise<Response>,
): Promise<{ thrown: boolean; response: Response }> {
  try {
    return { thrown: false, response: await run() };
  } catch (error) {
    if (!(error instanceof Response)) throw error;
    return { thrown: true, response: error };
  }
}

/** Signs in through the sign-in route and returns the `name=value` of its session cookie. */
export async function signInAs(userId: string) {
  const response = await signIn(args(formPost("/sign-in", { identity: userId })));
  expect(response.status).toBe(302);
  const setCookie = response.headers.get("Set-Cookie");
  expect(setCookie).toMatch(/^__warden_session=/);
  return setCookie!.split(";")[0];
}
