import { setTimeout as delay } from "node:timers/promises";
import { changesFromMembership, changesFromOrganization, changesFromUser, InvalidDirectoryObject, type DirectoryChange } from "./changes";

/**
 * Reads Clerk's users, organizations and memberships from its Backend API,
 * page by page, as directory changes for the backfill. Every object is
 * checked: one Warden cannot read stops the backfill with its id and the
 * request it came from, because a skipped person would silently be missing
 * from the directory.
 */

export const CLERK_API_URL = "https://api.clerk.com";
/** Clerk's largest page. */
export const MAX_PAGE_SIZE = 500;

export interface ClerkApiOptions {
  secretKey: string;
  /** Clerk's origin, without the API version (the same convention as Clerk's SDKs' CLERK_API_URL). */
  baseUrl?: string;
  pageSize?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Requests per page, counting the ones Clerk answers with 429. */
  maxAttempts?: number;
  /** The longest wait for one Retry-After: a backfill should not stall for minutes on one page. */
  maxRetryWaitMs?: number;
}

/** One page of Clerk objects: the ids of the objects on it and what they change in the directory. */
export interface DirectoryPage {
  /** The request, for messages: the path and query, never the key. */
  request: string;
  ids: string[];
  changes: DirectoryChange[];
}

export interface ClerkApi {
  users(): AsyncGenerator<DirectoryPage>;
  organizations(): AsyncGenerator<DirectoryPage>;
  memberships(organizationId: string): AsyncGenerator<DirectoryPage>;
}

export class ClerkApiError extends Error {
  override name = "ClerkApiError";
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** Retry-After is seconds or an HTTP date; anything else waits a second. */
function retryAfterMs(header: string | null, now = Date.now()): number {
  const value = header?.trim() ?? "";
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - now);
}

/** Clerk's own explanation of a refusal (`{ errors: [{ code, message, long_message }] }`), if it sent one. */
async function clerkReason(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    const first = isObject(body) && Array.isArray(body.errors) ? body.errors[0] : undefined;
    if (!isObject(first)) return "";
    const reason = [first.code, first.long_message ?? first.message].filter((part) => typeof part === "string" && part).join(": ");
    return reason ? ` (${reason.slice(0, 300)})` : "";
  } catch {
    return "";
  }
}

/** A list endpoint's page: users come as a bare array, organizations and memberships as `{ data, total_count }`. */
function itemsOf(body: unknown, envelope: "array" | "data", request: string): unknown[] {
  if (envelope === "array" && Array.isArray(body)) return body;
  if (envelope === "data" && isObject(body) && Array.isArray(body.data) && typeof body.total_count === "number") return body.data;
  throw new ClerkApiError(`Clerk's answer to GET ${request} is not a list (expected ${envelope === "array" ? "a JSON array" : "{ data: [...], total_count }"})`);
}

interface Listing {
  path: string;
  envelope: "array" | "data";
  object: "user" | "organization" | "organization_membership";
  toChanges: (value: unknown) => DirectoryChange[];
}

/** Each object's own id and type are checked first, so any later complaint can name the object. */
function pageOf(items: unknown[], listing: Listing, request: string): DirectoryPage {
  const ids: string[] = [];
  const changes: DirectoryChange[] = [];
  items.forEach((item, index) => {
    const id = isObject(item) && typeof item.id === "string" && item.id ? item.id : null;
    const where = `${id ? `${listing.object} ${id}` : `item ${index}`} in GET ${request}`;
    if (!id || (item as Json).object !== listing.object) {
      throw new InvalidDirectoryObject(`${where}: not a Clerk ${listing.object} (needs an id and object: "${listing.object}")`);
    }
    try {
      changes.push(...listing.toChanges(item));
    } catch (error) {
      if (error instanceof InvalidDirectoryObject) throw new InvalidDirectoryObject(`${where}: ${error.message}`);
      throw error;
    }
    ids.push(id);
  });
  return { request, ids, changes };
}

export function createClerkApi(options: ClerkApiOptions): ClerkApi {
  const base = (options.baseUrl ?? CLERK_API_URL).replace(/\/+$/, "");
  const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const maxAttempts = options.maxAttempts ?? 5;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`);

  async function get(request: string): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await doFetch(`${base}${request}`, { headers: { Authorization: `Bearer ${options.secretKey}`, Accept: "application/json" } });
      } catch (error) {
        throw new ClerkApiError(`Could not reach Clerk for GET ${request}: ${(error as Error).message}`, { cause: error });
      }
      if (response.status === 429 && attempt < maxAttempts) {
        await response.body?.cancel();
        await sleep(Math.min(retryAfterMs(response.headers.get("retry-after")), maxRetryWaitMs));
        continue;
      }
      if (response.status === 429) throw new ClerkApiError(`Clerk is still rate-limiting GET ${request} after ${maxAttempts} attempts`);
      if (response.status === 401 || response.status === 403) {
        throw new ClerkApiError(`CLERK_SECRET_KEY was refused by Clerk (${response.status} on GET ${request})${await clerkReason(response)}`);
      }
      if (!response.ok) throw new ClerkApiError(`Clerk answered ${response.status} to GET ${request}${await clerkReason(response)}`);
      try {
        return await response.json();
      } catch {
        throw new ClerkApiError(`Clerk's answer to GET ${request} is not JSON`);
      }
    }
  }

  /**
   * Oldest first: objects created while the backfill runs land after the
   * pages already read instead of shifting them. A page shorter than asked
   * for is the last.
   */
  async function* list(listing: Listing): AsyncGenerator<DirectoryPage> {
    for (let offset = 0; ; offset += pageSize) {
      const request = `${listing.path}?${new URLSearchParams({ limit: String(pageSize), offset: String(offset), order_by: "created_at" })}`;
      const items = itemsOf(await get(request), listing.envelope, request);
      if (items.length > 0) yield pageOf(items, listing, request);
      if (items.length < pageSize) return;
    }
  }

  return {
    users: () => list({ path: "/v1/users", envelope: "array", object: "user", toChanges: changesFromUser }),
    organizations: () => list({ path: "/v1/organizations", envelope: "data", object: "organization", toChanges: changesFromOrganization }),
    memberships: (organizationId) =>
      list({
        path: `/v1/organizations/${encodeURIComponent(organizationId)}/memberships`,
        envelope: "data",
        object: "organization_membership",
        toChanges: changesFromMembership,
      }),
  };
}

export type DirectoryCounts = Record<"organizations" | "users" | "memberships", number>;

/**
 * Copies Clerk's directory in: organizations, then users, then each
 * organization's memberships, each page in one `apply` call. The writes are
 * version-guarded upserts, so a second run (or a run racing the webhook)
 * changes nothing that is not newer.
 */
export async function syncDirectory(
  clerk: ClerkApi,
  apply: (changes: readonly DirectoryChange[]) => Promise<void>,
  log: (line: string) => void = () => {},
): Promise<DirectoryCounts> {
  const counts: DirectoryCounts = { organizations: 0, users: 0, memberships: 0 };
  const organizationIds: string[] = [];
  const copy = async (kind: keyof DirectoryCounts, pages: AsyncIterable<DirectoryPage>) => {
    for await (const page of pages) {
      await apply(page.changes);
      counts[kind] += page.ids.length;
      if (kind === "organizations") organizationIds.push(...page.ids);
    }
  };
  await copy("organizations", clerk.organizations());
  log(`organizations: ${counts.organizations}`);
  await copy("users", clerk.users());
  log(`users: ${counts.users}`);
  for (const id of organizationIds) await copy("memberships", clerk.memberships(id));
  log(`memberships: ${counts.memberships}`);
  return counts;
}
