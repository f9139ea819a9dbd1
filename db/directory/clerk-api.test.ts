import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIRECTORY_URL_ENV } from "../../roles/roles";
import { freshOrgId } from "../testing/directory";
import { freshUserId, ownerPool } from "../testing/identities";
import { applyDirectoryChanges, closeDirectoryPool } from "./apply.server";
import { InvalidDirectoryObject, type DirectoryChange } from "./changes";
import { createClerkApi, syncDirectory, type ClerkApiOptions } from "./clerk-api.server";
import { readLiveDirectory } from "./reconcile.server";

/**
 * The backfill against a fake Clerk Backend API: a real HTTP server that
 * pages, checks the key and rate-limits like Clerk, serving more objects
 * than fit on one page. Rows are checked with the owner connection.
 *
 * Reconciliation tombstones every live row Clerk does not list, and the
 * database is shared with the other test files: every reconciling sync here
 * is scoped (`readLiveDirectory`'s test-only `scope`) to its own test's ids.
 */

const SECRET = "sk_test_fake_directory_sync";
const PAGE = 3;

type Json = Record<string, unknown>;

interface FakeDirectory {
  organizations: Json[];
  users: Json[];
  /** By organization id. */
  memberships: Record<string, Json[]>;
}

let clock = Date.UTC(2026, 1, 1);
const tick = () => (clock += 1000);

function organization(label: string): Json {
  const id = freshOrgId(label);
  const at = tick();
  return {
    object: "organization",
    id,
    name: `Org ${id}`,
    slug: id.toLowerCase(),
    members_count: 0,
    public_metadata: {},
    created_at: at,
    updated_at: at + 7,
  };
}

function user(label: string, details: Partial<Json> = {}): Json {
  const id = freshUserId(label);
  const at = tick();
  return {
    object: "user",
    id,
    first_name: "Ada",
    last_name: id,
    username: null,
    image_url: `https://img.example/${id}.png`,
    // The primary address is not the first one: the directory must pick the primary.
    primary_email_address_id: `idn_${id}_primary`,
    email_addresses: [
      { id: `idn_${id}_old`, object: "email_address", email_address: `old-${id}@example.com` },
      { id: `idn_${id}_primary`, object: "email_address", email_address: `${id}@example.com` },
    ],
    public_metadata: {},
    last_sign_in_at: null,
    created_at: at,
    updated_at: at + 3,
    ...details,
  };
}

function membership(org: Json, member: Json, role: string): Json {
  const at = tick();
  return {
    object: "organization_membership",
    id: `orgmem_${org.id}_${member.id}`,
    role,
    organization: org,
    public_user_data: {
      user_id: member.id,
      first_name: member.first_name,
      last_name: member.last_name,
      identifier: `${member.id}@example.com`,
      image_url: member.image_url,
    },
    created_at: at,
    updated_at: at + 5,
  };
}

/** Organizations and users over several pages, memberships from none to several pages per organization (5: the last page holds only the object repeated from the one before). */
function generateDirectory(
  label: string,
  sizes = { organizations: 5, users: 6, members: [5, 4, 1, 0, 2] },
): FakeDirectory {
  const organizations = Array.from({ length: sizes.organizations }, () => organization(label));
  const users = Array.from({ length: sizes.users }, (_, i) =>
    i === 1
      ? user(label, { first_name: null, last_name: null, username: `only-username-${i}` })
      : i === 2
        ? user(label, { email_addresses: [], primary_email_address_id: null })
        : user(label),
  );
  const memberships = Object.fromEntries(
    organizations.map((org, o) => [
      org.id as string,
      users
        .slice(0, sizes.members[o] ?? 0)
        .map((member, u) => membership(org, member, u === 0 ? "org:admin" : "org:member")),
    ]),
  );
  return { organizations, users, memberships };
}

interface FakeClerk {
  url: string;
  data: FakeDirectory;
  /** Every request as `status path?query`. */
  requests: string[];
  /** Answers the next `times` requests for `request` (path and query) with 429. */
  rateLimit: { request: string; times: number; retryAfter: string } | null;
  /** Answers every request for `request` with `status`. */
  failing: { request: string; status: number } | null;
  /** Called with each request (path and query) once its answer is computed, and awaited before it is sent: for changes between pages. */
  answered: ((request: string) => void | Promise<void>) | null;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res
    .writeHead(status, { "content-type": "application/json", ...headers })
    .end(JSON.stringify(body));
}

const clerkError = (code: string, message: string) => ({
  errors: [{ code, message, long_message: message }],
});

async function startFakeClerk(): Promise<FakeClerk> {
  const fake: Omit<FakeClerk, "url" | "close"> = {
    data: { organizations: [], users: [], memberships: {} },
    requests: [],
    rateLimit: null,
    failing: null,
    answered: null,
  };

  function answer(req: IncomingMessage): [number, unknown, Record<string, string>?] {
    const url = new URL(req.url ?? "/", "http://fake");
    const request = `${url.pathname}${url.search}`;
    if (req.headers.authorization !== `Bearer ${SECRET}`)
      return [401, clerkError("authentication_invalid", "Invalid authentication")];
    if (fake.rateLimit?.request === request && fake.rateLimit.times > 0) {
      fake.rateLimit.times--;
      return [
        429,
        clerkError("too_many_requests", "Too many requests"),
        { "retry-after": fake.rateLimit.retryAfter },
      ];
    }
    if (fake.failing?.request === request)
      return [fake.failing.status, clerkError("internal_clerk_error", "Oops")];
    const limit = Number(url.searchParams.get("limit") ?? 10);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    if (
      !Number.isInteger(limit) ||
      limit < 1 ||
      limit > 500 ||
      !Number.isInteger(offset) ||
      offset < 0
    )
      return [422, clerkError("form_param_format_invalid", "bad limit or offset")];
    const page = (items: Json[]) => items.slice(offset, offset + limit);
    const members = /^\/v1\/organizations\/([^/]+)\/memberships$/.exec(url.pathname);
    if (url.pathname === "/v1/users") return [200, page(fake.data.users)];
    if (url.pathname === "/v1/organizations")
      return [
        200,
        { data: page(fake.data.organizations), total_count: fake.data.organizations.length },
      ];
    if (members && fake.data.memberships[members[1]]) {
      const all = fake.data.memberships[members[1]];
      return [200, { data: page(all), total_count: all.length }];
    }
    return [404, clerkError("resource_not_found", "not found")];
  }

  const server = createServer(async (req, res) => {
    const [status, body, headers] = answer(req);
    await fake.answered?.(req.url ?? "/");
    fake.requests.push(`${status} ${req.url}`);
    send(res, status, body, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const owner = ownerPool();
let clerk: FakeClerk;
const generated: FakeDirectory[] = [];

const ids = (data: FakeDirectory) => ({
  organizations: data.organizations.map((o) => o.id as string),
  users: data.users.map((u) => u.id as string),
});

/** Every column of every row the data touches; `xmin` changes whenever a row is rewritten, even with the same values. */
async function snapshot(data: FakeDirectory) {
  const { organizations, users } = ids(data);
  const rows = async (query: string, idList: string[]) => (await owner.query(query, [idList])).rows;
  return {
    organizations: await rows(
      "select id, name, slug, updated_at, deleted_at, xmin::text from directory.organizations where id = any($1) order by id",
      organizations,
    ),
    users: await rows(
      "select id, display_name, email, image_url, updated_at, deleted_at, xmin::text from directory.users where id = any($1) order by id",
      users,
    ),
    memberships: await rows(
      "select organization_id, user_id, role, updated_at, deleted_at, xmin::text from directory.memberships where organization_id = any($1) order by organization_id, user_id",
      organizations,
    ),
  };
}

const withoutXmin = <T extends { xmin?: unknown }>(rows: T[]) =>
  rows.map(({ xmin: _, ...row }) => row);

/** What Clerk's data should look like in the directory. */
function expectedRows(data: FakeDirectory) {
  const sorted = <T>(rows: T[], key: (row: T) => string) =>
    [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return {
    organizations: sorted(
      data.organizations.map((o) => ({
        id: o.id,
        name: o.name,
        slug: o.slug,
        updated_at: new Date(o.updated_at as number),
        deleted_at: null,
      })),
      (row) => row.id as string,
    ),
    users: sorted(
      data.users.map((u) => {
        const emails = u.email_addresses as { id: string; email_address: string }[];
        return {
          id: u.id,
          display_name: u.first_name ? `${u.first_name} ${u.last_name}` : u.username,
          email: emails.find((e) => e.id === u.primary_email_address_id)?.email_address ?? null,
          image_url: u.image_url,
          updated_at: new Date(u.updated_at as number),
          deleted_at: null,
        };
      }),
      (row) => row.id as string,
    ),
    memberships: sorted(
      Object.values(data.memberships)
        .flat()
        .map((m) => ({
          organization_id: (m.organization as Json).id,
          user_id: (m.public_user_data as Json).user_id,
          role: m.role,
          updated_at: new Date(m.updated_at as number),
          deleted_at: null,
        })),
      (row) => `${row.organization_id} ${row.user_id}`,
    ),
  };
}

async function expectInDirectory(data: FakeDirectory) {
  const rows = await snapshot(data);
  const expected = expectedRows(data);
  expect(withoutXmin(rows.organizations)).toEqual(expected.organizations);
  expect(withoutXmin(rows.users)).toEqual(expected.users);
  // Tombstones of memberships Clerk does not have are checked by the tests that make them.
  expect(withoutXmin(rows.memberships.filter((row) => row.deleted_at === null))).toEqual(
    expected.memberships,
  );
}

function serve(data: FakeDirectory) {
  generated.push(data);
  clerk.data = data;
  clerk.requests = [];
  clerk.rateLimit = null;
  clerk.failing = null;
  clerk.answered = null;
}

function api(options: Partial<ClerkApiOptions> = {}) {
  const sleeps: number[] = [];
  const client = createClerkApi({
    secretKey: SECRET,
    baseUrl: clerk.url,
    pageSize: PAGE,
    sleep: async (ms) => void sleeps.push(ms),
    ...options,
  });
  return { client, sleeps };
}

/** Rows only the directory has (Clerk never lists them), remembered for the clean-up. */
const directoryOnly = { organizations: [] as string[], users: [] as string[] };

/** Older than any sync started from now on: what the directory held before webhooks were missed. */
const earlier = () => Date.now() - 60_000;

async function directoryOnlyUser(label: string, version = earlier()) {
  const id = freshUserId(label);
  directoryOnly.users.push(id);
  await applyDirectoryChanges([
    {
      kind: "user",
      id,
      version,
      deleted: false,
      displayName: `Only ${label}`,
      email: `${id}@example.com`,
      imageUrl: `https://img.example/${id}.png`,
    },
  ]);
  return id;
}

async function directoryOnlyOrganization(label: string, version = earlier()) {
  const id = freshOrgId(label);
  directoryOnly.organizations.push(id);
  await applyDirectoryChanges([
    {
      kind: "organization",
      id,
      version,
      deleted: false,
      name: `Only ${label}`,
      slug: id.toLowerCase(),
    },
  ]);
  return id;
}

const membershipChange = (
  organizationId: string,
  userId: string,
  version = earlier(),
  role = "org:member",
): DirectoryChange => ({
  kind: "membership",
  organizationId,
  userId,
  version,
  deleted: false,
  role,
});

/** Reconciliation limited to the data's ids and the given ones: the database is shared with every other test file. */
function scopeOf(data: FakeDirectory, extra: { organizations?: string[]; users?: string[] } = {}) {
  const { organizations, users } = ids(data);
  return {
    organizations: [...organizations, ...(extra.organizations ?? [])],
    users: [...users, ...(extra.users ?? [])],
  };
}
function reconcileWithin(
  data: FakeDirectory,
  extra: { organizations?: string[]; users?: string[] } = {},
) {
  // Fixed now: a test may take objects out of the fake Clerk later, and they stay in scope.
  const scope = scopeOf(data, extra);
  return (before: number) => readLiveDirectory({ before, scope });
}

async function row(table: "users" | "organizations", id: string) {
  return (await owner.query(`select * from directory.${table} where id = $1`, [id])).rows[0] as
    Json | undefined;
}

async function membershipRow(organizationId: string, userId: string) {
  return (
    await owner.query(
      "select * from directory.memberships where organization_id = $1 and user_id = $2",
      [organizationId, userId],
    )
  ).rows[0] as Json | undefined;
}

/** A tombstone written by a sync that started at `startedAt`. */
const tombstoneAt = (startedAt: number) => ({
  updated_at: new Date(startedAt),
  deleted_at: new Date(startedAt),
});

beforeAll(async () => {
  clerk = await startFakeClerk();
});

afterAll(async () => {
  const all = generated.map(ids);
  const organizations = [...all.flatMap((g) => g.organizations), ...directoryOnly.organizations];
  const users = [...all.flatMap((g) => g.users), ...directoryOnly.users];
  await owner.query("delete from directory.memberships where organization_id = any($1)", [
    organizations,
  ]);
  await owner.query("delete from directory.organizations where id = any($1)", [organizations]);
  await owner.query("delete from directory.users where id = any($1)", [users]);
  await owner.end();
  await closeDirectoryPool();
  await clerk.close();
});

describe("syncDirectory", () => {
  it("copies every organization, user and membership, page by page, waiting out a 429", async () => {
    const data = generateDirectory("sync");
    serve(data);
    clerk.rateLimit = {
      request: `/v1/users?limit=${PAGE}&offset=${PAGE - 1}&order_by=created_at`,
      times: 1,
      retryAfter: "1",
    };
    const applied: (readonly DirectoryChange[])[] = [];
    const { client, sleeps } = api();

    const result = await syncDirectory(client, async (changes) => {
      applied.push(changes);
      await applyDirectoryChanges(changes);
    });

    expect(result.listed).toEqual({ organizations: 5, users: 6, memberships: 12 });
    // Without `readLive` the sync only upserts.
    expect(result.tombstoned).toBeNull();
    await expectInDirectory(data);
    expect(sleeps).toEqual([1000]);
    // Each page starts at the previous page's last object, which proves nothing before it was deleted meanwhile.
    expect(clerk.requests.filter((line) => line.includes("/v1/users"))).toEqual([
      "200 /v1/users?limit=3&offset=0&order_by=created_at",
      "429 /v1/users?limit=3&offset=2&order_by=created_at",
      "200 /v1/users?limit=3&offset=2&order_by=created_at",
      "200 /v1/users?limit=3&offset=4&order_by=created_at",
    ]);
    // One transaction per page with new objects (none for a page holding only the repeated one):
    // organizations 2, users 3, memberships 2 + 2 + 1 + 0 + 1.
    expect(applied).toHaveLength(11);
    expect(applied.flat().filter((change) => change.kind === "user")).toHaveLength(6);
  });

  it("a second sync changes nothing, not even a rewrite with the same values", async () => {
    const data = generateDirectory("again");
    serve(data);
    await syncDirectory(api().client, applyDirectoryChanges);
    await expectInDirectory(data);
    const first = await snapshot(data);

    const requestsBefore = clerk.requests.length;
    const again = await syncDirectory(api().client, applyDirectoryChanges, {
      readLive: reconcileWithin(data),
    });

    expect(clerk.requests.length - requestsBefore).toBe(requestsBefore);
    expect(again.tombstoned).toEqual({ organizations: 0, users: 0, memberships: 0 });
    expect(await snapshot(data)).toEqual(first);
  });

  it("never overwrites what a newer webhook already wrote", async () => {
    const data = generateDirectory("race", { organizations: 1, users: 1, members: [1] });
    serve(data);
    const newer = (data.users[0].updated_at as number) + 60_000;
    await applyDirectoryChanges([
      {
        kind: "user",
        id: data.users[0].id as string,
        version: newer,
        deleted: false,
        displayName: "Renamed",
        email: null,
        imageUrl: null,
      },
    ]);

    await syncDirectory(api().client, applyDirectoryChanges);

    const { users } = await snapshot(data);
    expect(users).toEqual([
      expect.objectContaining({ display_name: "Renamed", updated_at: new Date(newer) }),
    ]);
  });

  it("a refused key fails with the documented message, and never repeats the key", async () => {
    serve(generateDirectory("refused", { organizations: 1, users: 1, members: [1] }));
    const wrongKey = "sk_test_not_the_right_one";

    const error = await syncDirectory(
      api({ secretKey: wrongKey }).client,
      applyDirectoryChanges,
    ).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^CLERK_SECRET_KEY was refused by Clerk \(401 on GET \/v1\/organizations\?limit=3&offset=0&order_by=created_at\)/,
    );
    expect((error as Error).message).not.toContain(wrongKey);
    expect(clerk.requests).toHaveLength(1);
  });

  it("other errors name the status and the request", async () => {
    serve(generateDirectory("missing", { organizations: 1, users: 1, members: [1] }));
    await expect(
      syncDirectory(api({ baseUrl: `${clerk.url}/not-clerk` }).client, applyDirectoryChanges),
    ).rejects.toThrow(
      "Clerk answered 404 to GET /v1/organizations?limit=3&offset=0&order_by=created_at (resource_not_found: not found)",
    );
  });

  it("gives up on a rate limit that does not lift, never waiting longer than the cap", async () => {
    serve(generateDirectory("throttled", { organizations: 1, users: 1, members: [1] }));
    clerk.rateLimit = {
      request: `/v1/organizations?limit=${PAGE}&offset=0&order_by=created_at`,
      times: 10,
      retryAfter: "3600",
    };
    const { client, sleeps } = api({ maxAttempts: 3 });

    await expect(syncDirectory(client, applyDirectoryChanges)).rejects.toThrow(
      "Clerk is still rate-limiting GET /v1/organizations?limit=3&offset=0&order_by=created_at after 3 attempts",
    );
    expect(sleeps).toEqual([30_000, 30_000]);
  });

  it("a malformed object stops the sync, naming the object and the page it came on", async () => {
    const data = generateDirectory("malformed", { organizations: 1, users: 4, members: [0] });
    const bad = data.users[3];
    bad.email_addresses = "not a list";
    serve(data);

    const error = await syncDirectory(api().client, applyDirectoryChanges).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(InvalidDirectoryObject);
    expect((error as Error).message).toBe(
      `user ${bad.id} in GET /v1/users?limit=3&offset=2&order_by=created_at: not a Clerk user: Invalid input: expected array, received string`,
    );
  });

  it("an object without an id, or a page that is not a list, is named too", async () => {
    serve({
      organizations: [{ object: "organization", name: "no id" }],
      users: [],
      memberships: {},
    });
    await expect(syncDirectory(api().client, applyDirectoryChanges)).rejects.toThrow(
      'item 0 in GET /v1/organizations?limit=3&offset=0&order_by=created_at: not a Clerk organization (needs an id and object: "organization")',
    );

    const fetchArray: typeof fetch = async () => Response.json([]);
    await expect(
      syncDirectory(api({ fetch: fetchArray }).client, applyDirectoryChanges),
    ).rejects.toThrow(
      "Clerk's answer to GET /v1/organizations?limit=3&offset=0&order_by=created_at is not a list (expected { data: [...], total_count })",
    );
  });
});

describe("syncDirectory reconciles", () => {
  it("tombstones the users, organizations and memberships Clerk no longer has, at the sync's start, and only those", async () => {
    const data = generateDirectory("reconcile", { organizations: 2, users: 3, members: [3, 1] });
    serve(data);
    await syncDirectory(api().client, applyDirectoryChanges);
    const [org0, org1] = ids(data).organizations;
    const [user0, , user2] = ids(data).users;
    // Deleted or ended in Clerk while the webhooks were missed.
    const goneUser = await directoryOnlyUser("gone");
    const goneOrg = await directoryOnlyOrganization("gone");
    const gone: [string, string][] = [
      [org0, goneUser], // the member was deleted
      [goneOrg, user0], // the organization was deleted
      [org1, user2], // the membership ended; both sides live on
    ];
    await applyDirectoryChanges(gone.map(([o, u]) => membershipChange(o, u)));
    // Not in Clerk either, but outside the test's scope: a real sync would tombstone it, this one must not touch it.
    const bystander = await directoryOnlyUser("bystander");
    const lines: string[] = [];

    const before = Date.now();
    const result = await syncDirectory(api().client, applyDirectoryChanges, {
      log: (line) => lines.push(line),
      readLive: reconcileWithin(data, { organizations: [goneOrg], users: [goneUser] }),
    });

    expect(result.startedAt).toBeGreaterThanOrEqual(before);
    expect(result.tombstoned).toEqual({ organizations: 1, users: 1, memberships: 3 });
    expect(result.notReconciled).toEqual([]);
    expect(lines).toEqual([
      "organizations: 2",
      "users: 3",
      "memberships: 4",
      "tombstoned: 1 organizations, 1 users, 3 memberships",
    ]);
    // Tombstones at the start's version, details cleared.
    expect(await row("users", goneUser)).toEqual({
      id: goneUser,
      display_name: null,
      email: null,
      image_url: null,
      ...tombstoneAt(result.startedAt),
    });
    expect(await row("organizations", goneOrg)).toEqual({
      id: goneOrg,
      name: null,
      slug: null,
      ...tombstoneAt(result.startedAt),
    });
    for (const [o, u] of gone)
      expect(await membershipRow(o, u)).toEqual({
        organization_id: o,
        user_id: u,
        role: null,
        ...tombstoneAt(result.startedAt),
      });
    // What Clerk lists is untouched, and so is what is out of scope.
    await expectInDirectory(data);
    expect(await row("users", bystander)).toMatchObject({
      display_name: "Only bystander",
      deleted_at: null,
    });

    // Reconciled: the next sync finds nothing to do and rewrites nothing.
    const settled = await snapshot(data);
    const again = await syncDirectory(api().client, applyDirectoryChanges, {
      readLive: reconcileWithin(data, { organizations: [goneOrg], users: [goneUser] }),
    });
    expect(again.tombstoned).toEqual({ organizations: 0, users: 0, memberships: 0 });
    expect(await snapshot(data)).toEqual(settled);
  });

  it("never tombstones over a webhook newer than the sync's start, whenever it lands", async () => {
    const data = generateDirectory("newer", { organizations: 1, users: 4, members: [1] });
    serve(data);
    await syncDirectory(api().client, applyDirectoryChanges);
    const [org0] = ids(data).organizations;
    const start = Date.now();
    // Written before the sync, by an event stamped after its start (Clerk's clock a little ahead of ours).
    const ahead = await directoryOnlyUser("ahead", start + 60_000);
    // Live and older than the start when the sync begins; a webhook rewrites them while it lists...
    const listing = {
      user: await directoryOnlyUser("listing"),
      org: await directoryOnlyOrganization("listing"),
    };
    // ...or after its last read of the live rows, just before it writes its tombstones.
    const racing = {
      user: await directoryOnlyUser("racing"),
      org: await directoryOnlyOrganization("racing"),
    };
    await applyDirectoryChanges([
      membershipChange(org0, ahead, start + 60_000),
      membershipChange(org0, listing.user),
      membershipChange(org0, racing.user),
    ]);
    const webhook = (who: { user: string; org: string }, version: number): DirectoryChange[] => [
      {
        kind: "user",
        id: who.user,
        version,
        deleted: false,
        displayName: "Renamed",
        email: null,
        imageUrl: null,
      },
      { kind: "organization", id: who.org, version, deleted: false, name: "Renamed", slug: null },
      membershipChange(org0, who.user, version, "org:admin"),
    ];
    clerk.answered = async (request) => {
      if (request === `/v1/users?limit=${PAGE}&offset=0&order_by=created_at`)
        await applyDirectoryChanges(webhook(listing, start + 1));
    };
    let reads = 0;
    const readLive = async (before: number) => {
      const live = await reconcileWithin(data, {
        organizations: [listing.org, racing.org],
        users: [ahead, listing.user, racing.user],
      })(before);
      if (++reads === 2) await applyDirectoryChanges(webhook(racing, start + 2));
      return live;
    };

    const result = await syncDirectory(api().client, applyDirectoryChanges, {
      readLive,
      now: () => start,
    });

    expect(reads).toBe(2);
    // `ahead` and `listing` were no candidates; `racing` was, and its tombstone lost to the newer webhook.
    expect(result.tombstoned).toEqual({ organizations: 1, users: 1, memberships: 1 });
    expect(await row("users", ahead)).toMatchObject({
      display_name: "Only ahead",
      deleted_at: null,
      updated_at: new Date(start + 60_000),
    });
    expect(await membershipRow(org0, ahead)).toMatchObject({
      role: "org:member",
      deleted_at: null,
    });
    for (const [who, version] of [
      [listing, start + 1],
      [racing, start + 2],
    ] as const) {
      expect(await row("users", who.user)).toMatchObject({
        display_name: "Renamed",
        deleted_at: null,
        updated_at: new Date(version),
      });
      expect(await row("organizations", who.org)).toMatchObject({
        name: "Renamed",
        deleted_at: null,
        updated_at: new Date(version),
      });
      expect(await membershipRow(org0, who.user)).toMatchObject({
        role: "org:admin",
        deleted_at: null,
        updated_at: new Date(version),
      });
    }
  });

  it("tombstones nothing when a page fails, and says so", async () => {
    const data = generateDirectory("failing", { organizations: 2, users: 2, members: [2, 1] });
    serve(data);
    await syncDirectory(api().client, applyDirectoryChanges);
    const [org0, org1] = ids(data).organizations;
    const goneUser = await directoryOnlyUser("failing-gone");
    const goneOrg = await directoryOnlyOrganization("failing-gone");
    const [user0] = ids(data).users;
    await applyDirectoryChanges([
      membershipChange(org0, goneUser),
      membershipChange(goneOrg, user0),
    ]);
    const before = {
      user: await row("users", goneUser),
      org: await row("organizations", goneOrg),
      membership: await membershipRow(org0, goneUser),
    };
    // The very last page of the listing.
    const last = `/v1/organizations/${org1}/memberships?limit=${PAGE}&offset=0&order_by=created_at`;
    clerk.failing = { request: last, status: 500 };
    const lines: string[] = [];

    await expect(
      syncDirectory(api().client, applyDirectoryChanges, {
        log: (line) => lines.push(line),
        readLive: reconcileWithin(data, { organizations: [goneOrg], users: [goneUser] }),
      }),
    ).rejects.toThrow(`Clerk answered 500 to GET ${last} (internal_clerk_error: Oops)`);

    expect(await row("users", goneUser)).toEqual(before.user);
    expect(await row("organizations", goneOrg)).toEqual(before.org);
    expect(await membershipRow(org0, goneUser)).toEqual(before.membership);
    expect(await membershipRow(goneOrg, user0)).toMatchObject({ deleted_at: null });
    expect(lines).toEqual([
      "organizations: 2",
      "users: 2",
      "tombstoned nothing: the listing did not complete",
    ]);
  });

  it("an object deleted between pages makes no other object look deleted", async () => {
    const data = generateDirectory("shifted", { organizations: 1, users: 6, members: [0] });
    serve(data);
    await syncDirectory(api().client, applyDirectoryChanges);
    const goneOrg = await directoryOnlyOrganization("shifted-gone");
    const [user0, user1, , user3] = ids(data).users;
    // Two users deleted in Clerk (their webhooks missed) after the first page of users was read: every later user
    // moves two offsets down, so the next page (at offset PAGE - 1) starts after user3, which no page shows.
    clerk.answered = (request) => {
      if (request !== `/v1/users?limit=${PAGE}&offset=0&order_by=created_at`) return;
      data.users = data.users.filter((u) => u.id !== user0 && u.id !== user1);
      clerk.answered = null;
    };
    const readLive = reconcileWithin(data, { organizations: [goneOrg] });
    const lines: string[] = [];
    clerk.requests = [];

    const shifted = await syncDirectory(api().client, applyDirectoryChanges, {
      log: (line) => lines.push(line),
      readLive,
    });

    expect(clerk.requests.filter((line) => line.includes("/v1/users"))).toEqual([
      "200 /v1/users?limit=3&offset=0&order_by=created_at",
      "200 /v1/users?limit=3&offset=2&order_by=created_at",
    ]);
    expect(shifted.listed.users).toBe(5);
    // user3 is live; the users' listing proved nothing, so no user is tombstoned; the organizations' listing was whole.
    expect(await row("users", user3)).toMatchObject({
      display_name: `Ada ${user3}`,
      deleted_at: null,
    });
    for (const id of [user0, user1])
      expect(await row("users", id)).toMatchObject({ deleted_at: null });
    expect(shifted.notReconciled).toEqual(["users"]);
    expect(shifted.tombstoned).toEqual({ organizations: 1, users: 0, memberships: 0 });
    expect(lines).toContain(
      "tombstoned: 1 organizations, 0 users, 0 memberships (not reconciled, their listing shifted mid-run: users; the next sync will)",
    );
    expect(await row("organizations", goneOrg)).toMatchObject({
      deleted_at: new Date(shifted.startedAt),
    });

    // The next sync reads a steady listing: the deleted users go, user3 stays.
    const next = await syncDirectory(api().client, applyDirectoryChanges, { readLive });
    expect(next.notReconciled).toEqual([]);
    expect(next.tombstoned).toEqual({ organizations: 0, users: 2, memberships: 0 });
    for (const id of [user0, user1])
      expect(await row("users", id)).toMatchObject({
        display_name: null,
        ...tombstoneAt(next.startedAt),
      });
    await expectInDirectory(data);
  });
});

function runScript(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/directory-sync.ts"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run directory:sync", () => {
  const scriptEnv = (overrides: Record<string, string | undefined>) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CLERK_SECRET_KEY: SECRET,
      CLERK_API_URL: clerk.url,
      ...overrides,
    };
    for (const [name, value] of Object.entries(overrides))
      if (value === undefined) delete env[name];
    return env;
  };

  it("syncs against the configured Clerk and database, tombstones what Clerk no longer has, logs the counts and exits 0", async () => {
    const data = generateDirectory("script", { organizations: 2, users: 3, members: [3, 1] });
    serve(data);
    const goneUser = await directoryOnlyUser("script-gone");
    const goneOrg = await directoryOnlyOrganization("script-gone");
    await applyDirectoryChanges([membershipChange(ids(data).organizations[0], goneUser)]);
    const scope = scopeOf(data, { organizations: [goneOrg], users: [goneUser] });

    const { code, stdout, stderr } = await runScript(
      scriptEnv({ WARDEN_TEST_DIRECTORY_SYNC_SCOPE: JSON.stringify(scope) }),
    );

    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("[directory-sync] organizations: 2\n");
    expect(stdout).toContain("[directory-sync] users: 3\n");
    expect(stdout).toContain("[directory-sync] memberships: 4\n");
    expect(stdout).toContain(
      "[directory-sync] tombstoned: 1 organizations, 1 users, 1 memberships\n",
    );
    expect(stdout).toContain("[directory-sync] done: 2 organizations, 3 users, 4 memberships\n");
    await expectInDirectory(data);
    expect(await row("users", goneUser)).toMatchObject({
      display_name: null,
      deleted_at: expect.any(Date),
    });
    expect(await row("organizations", goneOrg)).toMatchObject({
      name: null,
      deleted_at: expect.any(Date),
    });
    expect(await membershipRow(ids(data).organizations[0], goneUser)).toMatchObject({
      role: null,
      deleted_at: expect.any(Date),
    });
  });

  it("refuses a malformed test scope rather than reconcile the whole directory", async () => {
    serve(generateDirectory("bad-scope", { organizations: 1, users: 1, members: [1] }));
    const { code, stderr } = await runScript(
      scriptEnv({ WARDEN_TEST_DIRECTORY_SYNC_SCOPE: '{"organizations":"all"}' }),
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      'WARDEN_TEST_DIRECTORY_SYNC_SCOPE is not { "organizations": [ids], "users": [ids] }.',
    );
    expect(clerk.requests).toEqual([]);
  });

  it("without CLERK_SECRET_KEY exits 1 and says what to set", async () => {
    const { code, stdout, stderr } = await runScript(scriptEnv({ CLERK_SECRET_KEY: undefined }));
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toContain("CLERK_SECRET_KEY is not set: set it to the secret key");
  });

  it(`without ${DIRECTORY_URL_ENV} exits 1 and says what to set`, async () => {
    serve(generateDirectory("no-writer", { organizations: 1, users: 1, members: [1] }));
    const { code, stderr } = await runScript(scriptEnv({ [DIRECTORY_URL_ENV]: undefined }));
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${DIRECTORY_URL_ENV} is not set: the sync writes as the directory_backend role`,
    );
    expect(clerk.requests).toEqual([]);
  });
});
