import { request, type APIResponse, type Page } from "@playwright/test";
import { APP_ORIGIN } from "./origin";
import type { ownerDatabase } from "./owner-db";

/** Helpers for the attack tests (security.spec.ts, garbage.spec.ts): requests from outside any page, judged against the database. */

type OwnerDatabase = Awaited<ReturnType<typeof ownerDatabase>>;

export interface DatabaseDigest {
  todos: string;
  reviews: number;
  audit: number;
  liveSessions: number;
}

/**
 * What a request could have changed, read as the owner (behind RLS's back):
 * every todo's content, and how many reviews, audit entries and live
 * sessions exist. Equal digests before and after mean nothing was written.
 */
export async function databaseDigest(db: OwnerDatabase): Promise<DatabaseDigest> {
  const [row] = await db.query<{
    todos: string;
    reviews: string;
    audit: string;
    live_sessions: string;
  }>(`
    select (select md5(coalesce(string_agg(concat_ws('|', id, tenant_id, user_id, task, is_complete, inserted_at), E'\\n' order by id), '')) from todos) as todos,
           (select count(*) from todo_reviews) as reviews,
           (select count(*) from audit.audit_log) as audit,
           (select count(*) from local_sessions where ended_at is null) as live_sessions`);
  return {
    todos: row.todos,
    reviews: Number(row.reviews),
    audit: Number(row.audit),
    liveSessions: Number(row.live_sessions),
  };
}

/** The page's session cookie as a Cookie header value, to replay from another client the way a stolen or forged request would carry it. */
export async function sessionCookie(page: Page): Promise<string> {
  const cookie = (await page.context().cookies(APP_ORIGIN)).find(
    (candidate) => candidate.name === "__warden_session",
  );
  if (!cookie) throw new Error("The page has no __warden_session cookie: sign in first.");
  return `${cookie.name}=${cookie.value}`;
}

/**
 * A client outside the browser that sends exactly the headers it is given
 * (no Origin, no Sec-Fetch-*), with `cookie` on every request. Dispose it
 * when done.
 */
export function outsideClient(cookie?: string) {
  return request.newContext({
    baseURL: APP_ORIGIN,
    extraHTTPHeaders: cookie ? { Cookie: cookie } : {},
  });
}

export { dataPath } from "./http-client";

/** The Set-Cookie headers of a response that touch the named cookie. */
export function setCookies(response: APIResponse, name: string): string[] {
  return response
    .headersArray()
    .filter(
      (header) => header.name.toLowerCase() === "set-cookie" && header.value.startsWith(`${name}=`),
    )
    .map((header) => header.value);
}
