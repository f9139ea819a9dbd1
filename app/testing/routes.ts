import { expect } from "vitest";
import { jsonResponse } from "../lib/responses.server";
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

/** A `data()` value: what a page's loader or action returns, or throws, with a status or headers. */
type DataWithInit = { type: "DataWithResponseInit"; data: unknown; init: ResponseInit | null };

const isDataWithInit = (value: unknown): value is DataWithInit =>
  typeof value === "object" &&
  value !== null &&
  (value as { type?: unknown }).type === "DataWithResponseInit";

/**
 * A route's answer as a Response tests can read: Responses (redirects,
 * resource routes, shared refusals) as they are, `data()` with its status and
 * headers, a plain object as a 200; the data as JSON.
 */
export async function respond(answer: unknown): Promise<Response> {
  const value = await answer;
  if (value instanceof Response) return value;
  if (isDataWithInit(value)) return jsonResponse(value.data, value.init ?? undefined);
  return jsonResponse(value);
}

/** Remix routes answer by returning or by throwing a Response or `data()`; tests need to know which. */
export async function settle(
  run: () => Promise<unknown>,
): Promise<{ thrown: boolean; response: Response }> {
  let answer: unknown;
  try {
    answer = await run();
  } catch (error) {
    if (!(error instanceof Response) && !isDataWithInit(error)) throw error;
    return { thrown: true, response: await respond(error) };
  }
  return { thrown: false, response: await respond(answer) };
}

/** Signs in through the sign-in route and returns the `name=value` of its session cookie. */
export async function signInAs(userId: string) {
  const response = await respond(signIn(args(formPost("/sign-in", { identity: userId }))));
  expect(response.status).toBe(302);
  const setCookie = response.headers.get("Set-Cookie");
  expect(setCookie).toMatch(/^__warden_session=/);
  return setCookie!.split(";")[0];
}
