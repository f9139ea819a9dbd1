import { directoryPool } from "./apply.server";
import type { DirectoryChange } from "./changes";

/**
 * Reconciliation for `npm run directory:sync`: what the directory holds as
 * live that Clerk no longer lists was deleted (or ended) while webhooks were
 * missed, and becomes a tombstone. The live rows are read through the
 * directory's own role, like every directory write; the tombstones are
 * ordinary directory changes, written by the same version-guarded upserts.
 */

/** The directory's live rows (tombstones excluded), as ids. */
export interface LiveDirectory {
  organizations: string[];
  users: string[];
  memberships: { organizationId: string; userId: string }[];
}

/**
 * Tests only: the rows reconciliation may consider, because the test
 * database is shared by every test file and a real sync would tombstone
 * every other file's rows. Organizations and users by id; memberships by
 * their organization's id. Production passes no scope: the whole directory.
 */
export interface DirectoryScope {
  organizations: readonly string[];
  users: readonly string[];
}

/**
 * The live rows older than `before` (ms), read through the directory's
 * role. A row at `before` or newer was written by an event newer than the
 * sync, which a tombstone at `before` could not replace anyway.
 */
export async function readLiveDirectory(options: {
  before: number;
  scope?: DirectoryScope;
}): Promise<LiveDirectory> {
  const pool = directoryPool();
  const before = options.before / 1000;
  const organizations = options.scope ? [...options.scope.organizations] : null;
  const users = options.scope ? [...options.scope.users] : null;
  const orgRows = await pool.query<{ id: string }>(
    "select id from directory.organizations where deleted_at is null and updated_at < to_timestamp($1) and ($2::text[] is null or id = any($2)) order by id",
    [before, organizations],
  );
  const userRows = await pool.query<{ id: string }>(
    "select id from directory.users where deleted_at is null and updated_at < to_timestamp($1) and ($2::text[] is null or id = any($2)) order by id",
    [before, users],
  );
  const membershipRows = await pool.query<{ organization_id: string; user_id: string }>(
    `select organization_id, user_id from directory.memberships
     where deleted_at is null and updated_at < to_timestamp($1) and ($2::text[] is null or organization_id = any($2))
     order by organization_id, user_id`,
    [before, organizations],
  );
  return {
    organizations: orgRows.rows.map((row) => row.id),
    users: userRows.rows.map((row) => row.id),
    memberships: membershipRows.rows.map((row) => ({
      organizationId: row.organization_id,
      userId: row.user_id,
    })),
  };
}

/** The rows live in both: read at a sync's start and again after its listing, the candidates neither created nor rewritten meanwhile. */
export function liveInBoth(first: LiveDirectory, second: LiveDirectory): LiveDirectory {
  const organizations = new Set(second.organizations);
  const users = new Set(second.users);
  const membership = (m: { organizationId: string; userId: string }) =>
    JSON.stringify([m.organizationId, m.userId]);
  const memberships = new Set(second.memberships.map(membership));
  return {
    organizations: first.organizations.filter((id) => organizations.has(id)),
    users: first.users.filter((id) => users.has(id)),
    memberships: first.memberships.filter((m) => memberships.has(membership(m))),
  };
}

/**
 * What one sync's listing saw. A listing is `complete` when every page
 * followed on from the one before it (see `DirectoryPage.contiguous`); an
 * incomplete one may have skipped live objects, so nothing is tombstoned on
 * its word.
 */
export interface Listed {
  organizations: { ids: ReadonlySet<string>; complete: boolean };
  users: { ids: ReadonlySet<string>; complete: boolean };
  /** By organization id: the members its listing showed. */
  memberships: ReadonlyMap<string, { userIds: ReadonlySet<string>; complete: boolean }>;
}

type TombstoneCounts = Record<"organizations" | "users" | "memberships", number>;

interface Tombstones {
  changes: DirectoryChange[];
  counts: TombstoneCounts;
  /** What was not reconciled, because its listing was not complete, for the log. */
  skipped: string[];
}

/**
 * The tombstones, at `version` (the sync's start, in ms), for every live
 * row a complete listing did not show:
 * - an organization missing from the organizations;
 * - a user missing from the users (a member shown by a membership listing
 *   counts as seen: it plainly exists);
 * - a membership missing from its organization's memberships, or of an
 *   organization missing from the organizations (its memberships ended with it).
 */
export function tombstonesFor(live: LiveDirectory, listed: Listed, version: number): Tombstones {
  const changes: DirectoryChange[] = [];
  const counts: TombstoneCounts = { organizations: 0, users: 0, memberships: 0 };
  const skipped: string[] = [];

  if (listed.organizations.complete) {
    for (const id of live.organizations) {
      if (listed.organizations.ids.has(id)) continue;
      changes.push({ kind: "organization", id, version, deleted: true });
      counts.organizations++;
    }
  } else {
    skipped.push("organizations");
  }

  if (listed.users.complete) {
    const members = new Set([...listed.memberships.values()].flatMap((m) => [...m.userIds]));
    for (const id of live.users) {
      if (listed.users.ids.has(id) || members.has(id)) continue;
      changes.push({ kind: "user", id, version, deleted: true });
      counts.users++;
    }
  } else {
    skipped.push("users");
  }

  const incomplete = new Set<string>();
  for (const { organizationId, userId } of live.memberships) {
    const listing = listed.memberships.get(organizationId);
    // Every listed organization's memberships were listed, so no listing means the organization itself is gone.
    const gone = listing
      ? !listing.userIds.has(userId)
      : !listed.organizations.ids.has(organizationId);
    const trusted = listing ? listing.complete : listed.organizations.complete;
    if (!gone) continue;
    if (!trusted) {
      incomplete.add(organizationId);
      continue;
    }
    changes.push({
      kind: "membership",
      organizationId,
      userId,
      version,
      deleted: true,
      role: null,
    });
    counts.memberships++;
  }
  if (incomplete.size > 0)
    skipped.push(
      `memberships of ${incomplete.size} organization${incomplete.size === 1 ? "" : "s"}`,
    );

  return { changes, counts, skipped };
}
