/**
 * A JSON Response, for answers that must stay Responses under single fetch:
 * resource routes' answers, and refusals thrown by helpers that resource
 * routes share with pages. A page's loader may throw `data()` instead, but in
 * a resource route that answers with Remix's generic error, not our message.
 */
export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { ...init, headers });
}
