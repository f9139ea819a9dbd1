import { setTimeout as delay } from "node:timers/promises";
import {
  changesFromMembership,
  changesFromOrganization,
  changesFromUser,
  InvalidDirectoryObject,
  type DirectoryChange,
} from "./changes";
import { liveInBoth, tombstonesFor, type Listed, type LiveDirectory } from "./reconcile.server";

/**
 * Reads Clerk's users, organizations and memberships from its Backend API,
 * page by page, as directory changes for the backfill. Every object is
 * checked: one Warden cannot read stops the backfill with its id and the
 * request it came from, because a skipped person would silently be missing
 * from the directory.
 */

export const CLERK_API_URL = "https://api.clerk.com";
/** Clerk's largest page. */
const MAX_PAGE_SIZE = 500;

export interface ClerkApiOptions {
  secretKey: string;
  /** Clerk's origin, without the API version (the same convention as Clerk's SDKs' CLERK_API_URL). */
  baseUrl?: string;
  /** Objects per request, from 2 (consecutive pages overlap by one object: see `list`). */
  pageSize?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Requests per page, counting the ones Clerk answers with 429. */
  maxAttempts?: number;
  /** The longest wait for one Retry-After: a backfill should not stall for minutes on one page. */
  maxRetryWaitMs?: number;
}

/** One page of Clerk objects: the ids of the objects on it and what they change in the directory. */
interface DirectoryPage {
  /** The request, for messages: the path and query, never the key. */
  request: string;
  ids: string[];
  changes: DirectoryChange[];
  /**
   * Whether the page followed on from the one before: its first object was
   * that page's last (repeated, and left out of `ids` and `changes`). False
   * when objects before it were deleted mid-listing, so the offsets shifted
   * and live objects may have been skipped; such a page can come with no
   * objects at all.
   */
  contiguous: boolean;
}

interface ClerkApi {
  users(): AsyncGenerator<DirectoryPage>;
  organizations(): AsyncGenerator<DirectoryPage>;
  memberships(organizationId: string): AsyncGenerator<DirectoryPage>;
}

class ClerkApiError extends Error {
  override name = "ClerkApiError";
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

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
    const reason = [first.code, first.long_message ?? first.message]
      .filter((part) => typeof part === "string" && part)
      .join(": ");
    return reason ? ` (${reason.slice(0, 300)})` : "";
  } catch {
    return "";
  }
}

/** A list endpoint's page: users come as a bare array, organizations and memberships as `{ data, total_count }`. */
function itemsOf(body: unknown, envelope: "array" | "data", request: string): unknown[] {
  if (envelope === "array" && Array.isArray(body)) return body;
  if (
    envelope === "data" &&
    isObject(body) &&
    Array.isArray(body.data) &&
    typeof body.total_count === "number"
  )
    return body.data;
  throw new ClerkApiError(
    `Clerk's answer to GET ${request} is not a list (expected ${envelope === "array" ? "a JSON array" : "{ data: [...], total_count }"})`,
  );
}

interface Listing {
  path: string;
  envelope: "array" | "data";
  object: "user" | "organization" | "organization_membership";
  toChanges: (value: unknown) => DirectoryChange[];
}

const idOf = (item: unknown) =>
  isObject(item) && typeof item.id === "string" && item.id ? item.id : null;

/** Each object's own id and type are checked first, so any later complaint can name the object. Items before `from` were on the previous page. */
function pageOf(
  items: unknown[],
  from: number,
  listing: Listing,
  request: string,
  contiguous: boolean,
): DirectoryPage {
  const ids: string[] = [];
  const changes: DirectoryChange[] = [];
  items.forEach((item, index) => {
    if (index < from) return;
    const id = idOf(item);
    const where = `${id ? `${listing.object} ${id}` : `item ${index}`} in GET ${request}`;
    if (!id || (item as Json).object !== listing.object) {
      throw new InvalidDirectoryObject(
        `${where}: not a Clerk ${listing.object} (needs an id and object: "${listing.object}")`,
      );
    }
    try {
      changes.push(...listing.toChanges(item));
    } catch (error) {
      if (error instanceof InvalidDirectoryObject)
        throw new InvalidDirectoryObject(`${where}: ${error.message}`);
      throw error;
    }
    ids.push(id);
  });
  return { request, ids, changes, contiguous };
}

export function createClerkApi(options: ClerkApiOptions): ClerkApi {
  const base = (options.baseUrl ?? CLERK_API_URL).replace(/\/+$/, "");
  const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const maxAttempts = options.maxAttempts ?? 5;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
  if (!Number.isInteger(pageSize) || pageSize < 2 || pageSize > MAX_PAGE_SIZE)
    throw new RangeError(`pageSize must be an integer from 2 to ${MAX_PAGE_SIZE}`);

  async function get(request: string): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await doFetch(`${base}${request}`, {
          headers: { Authorization: `Bearer ${options.secretKey}`, Accept: "application/json" },
        });
      } catch (error) {
        throw new ClerkApiError(
          `Could not reach Clerk for GET ${request}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      if (response.status === 429 && attempt < maxAttempts) {
        await response.body?.cancel();
        await sleep(Math.min(retryAfterMs(response.headers.get("retry-after")), maxRetryWaitMs));
        continue;
      }
      if (response.status === 429)
        throw new ClerkApiError(
          `Clerk is still rate-limiting GET ${request} after ${maxAttempts} attempts`,
        );
      if (response.status === 401 || response.status === 403) {
        throw new ClerkApiError(
          `CLERK_SECRET_KEY was refused by Clerk (${response.status} on GET ${request})${await clerkReason(response)}`,
        );
      }
      if (!response.ok)
        throw new ClerkApiError(
          `Clerk answered ${response.status} to GET ${request}${await clerkReason(response)}`,
        );
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
   *
   * An object deleted mid-listing does shift them: everything after it
   * moves one offset down, and the object that moves onto the previous
   * page's last offset is never read. Upserting can leave that to the next
   * sync, but reconciliation must not take the object for deleted. So each
   * page starts at the previous page's last object (the pages overlap by
   * one): if that object is still there, nothing before it went away and
   * the listing continues exactly; if not, the page is marked not
   * `contiguous` and the sync tombstones nothing on that listing's word
   * (the next sync will). This costs one object per page, where a second
   * full pass would cost every request twice and could still be skipped
   * twice.
   */
  async function* list(listing: Listing): AsyncGenerator<DirectoryPage> {
    let previousLast: string | null = null;
    for (let offset = 0; ; offset += pageSize - 1) {
      const request = `${listing.path}?${new URLSearchParams({ limit: String(pageSize), offset: String(offset), order_by: "created_at" })}`;
      const items = itemsOf(await get(request), listing.envelope, request);
      const overlaps = previousLast !== null && items.length > 0 && idOf(items[0]) === previousLast;
      const contiguous = previousLast === null || overlaps;
      const page = pageOf(items, overlaps ? 1 : 0, listing, request, contiguous);
      if (page.ids.length > 0 || !contiguous) yield page;
      if (items.length < pageSize) return;
      previousLast = idOf(items[items.length - 1]);
    }
  }

  return {
    users: () =>
      list({ path: "/v1/users", envelope: "array", object: "user", toChanges: changesFromUser }),
    organizations: () =>
      list({
        path: "/v1/organizations",
        envelope: "data",
        object: "organization",
        toChanges: changesFromOrganization,
      }),
    memberships: (organizationId) =>
      list({
        path: `/v1/organizations/${encodeURIComponent(organizationId)}/memberships`,
        envelope: "data",
        object: "organization_membership",
        toChanges: changesFromMembership,
      }),
  };
}

type DirectoryCounts = Record<"organizations" | "users" | "memberships", number>;

/** Tombstones per transaction. */
const TOMBSTONE_BATCH = 500;

interface SyncOptions {
  log?: (line: string) => void;
  /**
   * Reads the directory's live rows older than the sync's start (production:
   * `readLiveDirectory`), once before the first request and once after the
   * listing. With it, a sync whose listing completes tombstones every row
   * live at both reads that Clerk did not list; without it the sync only
   * upserts.
   */
  readLive?: (before: number) => Promise<LiveDirectory>;
  /** The clock, in ms. */
  now?: () => number;
}

interface SyncResult {
  /** What Clerk listed. */
  listed: DirectoryCounts;
  /** The sync's start (ms), taken before the first request: the version of every tombstone it writes. */
  startedAt: number;
  /** The tombstones written; null when the sync does not reconcile (no `readLive`). */
  tombstoned: DirectoryCounts | null;
  /** What was not reconciled because its listing shifted mid-run (the next sync will). */
  notReconciled: string[];
}

/**
 * Copies Clerk's directory in: organizations, then users, then each
 * organization's memberships, each page in one `apply` call. The writes are
 * version-guarded upserts, so a second run (or a run racing the webhook)
 * changes nothing that is not newer.
 *
 * Then, with `readLive`, it reconciles: a live row Clerk did not list was
 * deleted (a user, an organization) or ended (a membership) while webhooks
 * were missed, and gets a tombstone. Only after a complete listing: a page
 * that fails stops the sync before anything is tombstoned, and a listing
 * that shifted mid-run (see `list`) tombstones nothing of its kind. The
 * candidates are the rows live and older than the start both before the
 * first request and after the listing, so nothing a webhook created or
 * rewrote during the run is one, and the counts logged are the rows
 * tombstoned. The tombstones carry the start time as their version, so
 * any event newer than the start still wins over them, even one landing
 * between the second read and the writes (the one case where a logged
 * tombstone was not written); anything the listing saw is not a candidate.
 */
export async function syncDirectory(
  clerk: ClerkApi,
  apply: (changes: readonly DirectoryChange[]) => Promise<void>,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const log = options.log ?? (() => {});
  const startedAt = (options.now ?? Date.now)();
  const { readLive } = options;
  const live = readLive ? await readLive(startedAt) : null;

  const listed = {
    organizations: { ids: new Set<string>(), complete: true },
    users: { ids: new Set<string>(), complete: true },
    memberships: new Map<string, { userIds: Set<string>; complete: boolean }>(),
  } satisfies Listed;
  const membershipIds = new Set<string>();
  const copy = async (
    pages: AsyncIterable<DirectoryPage>,
    listing: { complete: boolean },
    seen: (page: DirectoryPage) => void,
  ) => {
    for await (const page of pages) {
      if (page.changes.length > 0) await apply(page.changes);
      if (!page.contiguous) listing.complete = false;
      seen(page);
    }
  };
  try {
    await copy(clerk.organizations(), listed.organizations, (page) =>
      page.ids.forEach((id) => listed.organizations.ids.add(id)),
    );
    log(`organizations: ${listed.organizations.ids.size}`);
    await copy(clerk.users(), listed.users, (page) =>
      page.ids.forEach((id) => listed.users.ids.add(id)),
    );
    log(`users: ${listed.users.ids.size}`);
    for (const organizationId of listed.organizations.ids) {
      const members = { userIds: new Set<string>(), complete: true };
      listed.memberships.set(organizationId, members);
      await copy(clerk.memberships(organizationId), members, (page) => {
        page.ids.forEach((id) => membershipIds.add(id));
        for (const change of page.changes)
          if (change.kind === "membership") members.userIds.add(change.userId);
      });
    }
    log(`memberships: ${membershipIds.size}`);
  } catch (error) {
    if (live) log("tombstoned nothing: the listing did not complete");
    throw error;
  }

  const counts: DirectoryCounts = {
    organizations: listed.organizations.ids.size,
    users: listed.users.ids.size,
    memberships: membershipIds.size,
  };
  if (!readLive || !live) return { listed: counts, startedAt, tombstoned: null, notReconciled: [] };

  const tombstones = tombstonesFor(liveInBoth(live, await readLive(startedAt)), listed, startedAt);
  for (let i = 0; i < tombstones.changes.length; i += TOMBSTONE_BATCH)
    await apply(tombstones.changes.slice(i, i + TOMBSTONE_BATCH));
  const { organizations, users, memberships } = tombstones.counts;
  const skipped =
    tombstones.skipped.length > 0
      ? ` (not reconciled, their listing shifted mid-run: ${tombstones.skipped.join(", ")}; the next sync will)`
      : "";
  log(
    `tombstoned: ${organizations} organizations, ${users} users, ${memberships} memberships${skipped}`,
  );
  return {
    listed: counts,
    startedAt,
    tombstoned: tombstones.counts,
    notReconciled: tombstones.skipped,
  };
}
