import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { freshOrgId } from "../testing/directory";
import { freshUserId, ownerPool } from "../testing/identities";
import { applyDirectoryChanges, applyWebhookMessage, closeDirectoryPool } from "./apply.server";
import { changesFromEvent, type DirectoryChange } from "./changes";

/**
 * Svix delivers Clerk's webhooks at least once and in no particular order.
 * Whatever the order, and however often a message comes again (a retry under
 * its own id, or the same event sent anew under another), the directory must
 * end up as the newest event about each user, organization and membership
 * says. The expected rows come from a model of Clerk kept by this test,
 * never from the code under test.
 */

const owner = ownerPool();
const made = { users: [] as string[], organizations: [] as string[], messages: [] as string[] };

afterAll(async () => {
  await owner.query("delete from directory.memberships where organization_id = any($1::text[])", [
    made.organizations,
  ]);
  await owner.query("delete from directory.users where id = any($1::text[])", [made.users]);
  await owner.query("delete from directory.organizations where id = any($1::text[])", [
    made.organizations,
  ]);
  await owner.query("delete from directory.webhook_messages where id = any($1::text[])", [
    made.messages,
  ]);
  await owner.end();
  await closeDirectoryPool();
});

const USERS = 3;
const ORGS = 2;
const ROLES = ["org:admin", "org:moderator", "org:member"] as const;

interface Profile {
  first: string | null;
  last: string | null;
  username: string | null;
  image: string | null;
  emails: string[];
  primary: number;
}

/** What happens in Clerk; the model turns each into the event Clerk would send, or nothing when it cannot happen then. */
type Command =
  | { kind: "user.write"; user: number; profile: Profile }
  | { kind: "user.delete"; user: number }
  | { kind: "organization.write"; org: number; name: string; slug: string }
  | { kind: "organization.delete"; org: number }
  | { kind: "membership.write"; org: number; user: number; role: (typeof ROLES)[number] }
  | { kind: "membership.delete"; org: number; user: number };

/** When the event is delivered (`at`, an ordering key), and its extra deliveries: a retry under the same message id, or the event sent again under a new one. */
interface Delivery {
  at: number;
  again: { at: number; sameId: boolean }[];
}

/** One event's place in time: milliseconds since the previous event, and where in that gap its object's updated_at falls (never before the previous event). */
interface Timing {
  gap: number;
  lag: number;
  delivery: Delivery;
}

/**
 * A command, with what Clerk needs to create the user or organization it
 * names when they do not exist yet (their creation comes first), and the
 * timing of each event it may send: at most three.
 */
interface Step {
  command: Command;
  newcomer: Profile;
  newOrg: { name: string; slug: string };
  timings: [Timing, Timing, Timing];
}

const userIndex = fc.nat(USERS - 1);
const orgIndex = fc.nat(ORGS - 1);
const profile: fc.Arbitrary<Profile> = fc.record({
  first: fc.constantFrom("Ada", "Grace", "Linus", null),
  last: fc.constantFrom("Lovelace", "Hopper", null),
  username: fc.constantFrom("ada", "gh", null),
  image: fc.constantFrom(null, "https://img.clerk.com/a.png", "https://img.clerk.com/b.png"),
  emails: fc.uniqueArray(
    fc.constantFrom("one@example.com", "two@example.com", "three@example.com"),
    { maxLength: 3 },
  ),
  primary: fc.nat(2),
});
const orgDetails = fc.record({
  name: fc.constantFrom("Acme", "Acme Inc.", "Globex"),
  slug: fc.constantFrom("acme", "acme-inc", "globex"),
});
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("user.write" as const), user: userIndex, profile }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("user.delete" as const), user: userIndex }),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(orgIndex, orgDetails)
      .map(([org, details]) => ({ kind: "organization.write" as const, org, ...details })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("organization.delete" as const), org: orgIndex }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("membership.write" as const),
      org: orgIndex,
      user: userIndex,
      role: fc.constantFrom(...ROLES),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("membership.delete" as const),
      org: orgIndex,
      user: userIndex,
    }),
  },
);
const timing: fc.Arbitrary<Timing> = fc.record({
  gap: fc.integer({ min: 1, max: 10_000 }),
  lag: fc.nat(10_000),
  delivery: fc.record({
    at: fc.nat(1_000),
    again: fc.array(fc.record({ at: fc.nat(1_000), sameId: fc.boolean() }), { maxLength: 2 }),
  }),
});
const step: fc.Arbitrary<Step> = fc.record({
  command,
  newcomer: profile,
  newOrg: orgDetails,
  timings: fc.tuple(timing, timing, timing),
});

type Versioned<T> = ({ live: true } & T) | { live: false; deletedAt: number; last: T };
interface UserState {
  profile: Profile;
  createdAt: number;
  updatedAt: number;
}
interface OrgState {
  name: string;
  slug: string;
  createdAt: number;
  updatedAt: number;
}
interface MembershipState {
  id: string;
  role: string;
  createdAt: number;
  updatedAt: number;
}

const primaryEmail = (p: Profile) =>
  p.emails.length ? p.emails[p.primary % p.emails.length] : null;
const emailId = (address: string) => `idn_${address.split("@")[0]}`;

function clerkUser(id: string, { profile: p, createdAt, updatedAt }: UserState) {
  return {
    id,
    object: "user",
    first_name: p.first,
    last_name: p.last,
    username: p.username,
    image_url: p.image,
    has_image: p.image !== null,
    primary_email_address_id: primaryEmail(p) && emailId(primaryEmail(p)!),
    email_addresses: p.emails.map((address) => ({
      id: emailId(address),
      object: "email_address",
      email_address: address,
      linked_to: [],
      verification: { status: "verified", strategy: "email_code" },
    })),
    phone_numbers: [],
    external_accounts: [],
    public_metadata: {},
    private_metadata: {},
    unsafe_metadata: {},
    banned: false,
    locked: false,
    two_factor_enabled: false,
    last_sign_in_at: null,
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

function clerkOrganization(id: string, { name, slug, createdAt, updatedAt }: OrgState) {
  return {
    id,
    object: "organization",
    name,
    slug,
    image_url: null,
    has_image: false,
    members_count: 1,
    max_allowed_memberships: 5,
    admin_delete_enabled: true,
    public_metadata: {},
    private_metadata: {},
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

/**
 * Clerk as the stream goes: the events it sends, in time order, and what the
 * directory should hold afterwards (the newest event about each entity).
 */
function simulate(steps: Step[], ids: { users: string[]; orgs: string[]; run: string }) {
  const users = new Map<number, Versioned<UserState>>();
  const orgs = new Map<number, Versioned<OrgState>>();
  const memberships = new Map<string, Versioned<MembershipState>>();
  const events: { body: string; messageId: string; delivery: Delivery }[] = [];
  let now = Date.UTC(2026, 5, 1);

  const lastOf = <T>(state: Versioned<T> | undefined): T | undefined =>
    state ? (state.live ? state : state.last) : undefined;

  function membershipData(org: number, user: number, membership: MembershipState) {
    const person = lastOf(users.get(user))!;
    return {
      id: membership.id,
      object: "organization_membership",
      role: membership.role,
      role_name: membership.role.replace("org:", ""),
      permissions: [],
      public_metadata: {},
      private_metadata: {},
      organization: clerkOrganization(ids.orgs[org], lastOf(orgs.get(org))!),
      public_user_data: {
        user_id: ids.users[user],
        first_name: person.profile.first,
        last_name: person.profile.last,
        identifier: primaryEmail(person.profile) ?? person.profile.username ?? "",
        image_url: person.profile.image,
        has_image: person.profile.image !== null,
      },
      created_at: membership.createdAt,
      updated_at: membership.updatedAt,
    };
  }

  for (const { command, newcomer, newOrg, timings } of steps) {
    let next = 0;
    /** The next event's timestamp and its object's updated_at; `send` then records the event. */
    const tick = () => {
      const { gap, lag, delivery } = timings[next++];
      now += gap;
      return { at: now, updatedAt: now - (lag % gap), delivery };
    };
    const send = ({ at, delivery }: ReturnType<typeof tick>, type: string, data: unknown) => {
      const body = JSON.stringify({
        data,
        object: "event",
        type,
        timestamp: at,
        instance_id: `ins_${ids.run}`,
        event_attributes: { http_request: { client_ip: "", user_agent: "" } },
      });
      events.push({ body, messageId: `msg_cv_${ids.run}_${events.length}`, delivery });
    };

    const writeUser = (index: number, profile: Profile) => {
      const user = users.get(index);
      if (user && !user.live) return;
      const time = tick();
      const state: UserState = {
        profile,
        createdAt: user?.createdAt ?? time.updatedAt,
        updatedAt: time.updatedAt,
      };
      users.set(index, { live: true, ...state });
      send(time, user ? "user.updated" : "user.created", clerkUser(ids.users[index], state));
    };
    const writeOrg = (index: number, { name, slug }: { name: string; slug: string }) => {
      const org = orgs.get(index);
      if (org && !org.live) return;
      const time = tick();
      const state: OrgState = {
        name,
        slug,
        createdAt: org?.createdAt ?? time.updatedAt,
        updatedAt: time.updatedAt,
      };
      orgs.set(index, { live: true, ...state });
      send(
        time,
        org ? "organization.updated" : "organization.created",
        clerkOrganization(ids.orgs[index], state),
      );
    };

    switch (command.kind) {
      case "user.write":
        writeUser(command.user, command.profile);
        break;
      case "user.delete": {
        const user = users.get(command.user);
        if (!user?.live) break;
        const time = tick();
        users.set(command.user, { live: false, deletedAt: time.at, last: user });
        send(time, "user.deleted", { id: ids.users[command.user], object: "user", deleted: true });
        break;
      }
      case "organization.write":
        writeOrg(command.org, command);
        break;
      case "organization.delete": {
        const org = orgs.get(command.org);
        if (!org?.live) break;
        const time = tick();
        orgs.set(command.org, { live: false, deletedAt: time.at, last: org });
        send(time, "organization.deleted", {
          id: ids.orgs[command.org],
          object: "organization",
          deleted: true,
        });
        break;
      }
      case "membership.write": {
        if (!users.has(command.user)) writeUser(command.user, newcomer);
        if (!orgs.has(command.org)) writeOrg(command.org, newOrg);
        if (!users.get(command.user)!.live || !orgs.get(command.org)!.live) break;
        const key = `${command.org}/${command.user}`;
        const membership = memberships.get(key);
        const time = tick();
        // Someone who left and joins again gets a new membership in Clerk.
        const state: MembershipState = membership?.live
          ? {
              id: membership.id,
              role: command.role,
              createdAt: membership.createdAt,
              updatedAt: time.updatedAt,
            }
          : {
              id: `orgmem_${ids.run}_${events.length}`,
              role: command.role,
              createdAt: time.updatedAt,
              updatedAt: time.updatedAt,
            };
        memberships.set(key, { live: true, ...state });
        send(
          time,
          membership?.live ? "organizationMembership.updated" : "organizationMembership.created",
          membershipData(command.org, command.user, state),
        );
        break;
      }
      case "membership.delete": {
        // Clerk also ends the memberships of a deleted user or organization, after deleting them.
        const key = `${command.org}/${command.user}`;
        const membership = memberships.get(key);
        if (!membership?.live) break;
        const time = tick();
        memberships.set(key, { live: false, deletedAt: time.at, last: membership });
        send(
          time,
          "organizationMembership.deleted",
          membershipData(command.org, command.user, membership),
        );
        break;
      }
    }
  }

  const display = (p: Profile) =>
    [p.first, p.last].filter((part) => part !== null).join(" ") || p.username || null;
  const expected = {
    users: [...users].map(([index, state]) =>
      state.live
        ? {
            id: ids.users[index],
            display_name: display(state.profile),
            email: primaryEmail(state.profile),
            image_url: state.profile.image,
            updated_at: state.updatedAt,
            deleted_at: null,
          }
        : {
            id: ids.users[index],
            display_name: null,
            email: null,
            image_url: null,
            updated_at: state.deletedAt,
            deleted_at: state.deletedAt,
          },
    ),
    organizations: [...orgs].map(([index, state]) =>
      state.live
        ? {
            id: ids.orgs[index],
            name: state.name,
            slug: state.slug,
            updated_at: state.updatedAt,
            deleted_at: null,
          }
        : {
            id: ids.orgs[index],
            name: null,
            slug: null,
            updated_at: state.deletedAt,
            deleted_at: state.deletedAt,
          },
    ),
    memberships: [...memberships].map(([key, state]) => {
      const [org, user] = key.split("/").map(Number);
      const row = { organization_id: ids.orgs[org], user_id: ids.users[user] };
      return state.live
        ? { ...row, role: state.role, updated_at: state.updatedAt, deleted_at: null }
        : { ...row, role: null, updated_at: state.deletedAt, deleted_at: state.deletedAt };
    }),
  };
  return { events, expected };
}

/** Every delivery of every event, in the order the deliveries arrive. */
function deliveries(events: ReturnType<typeof simulate>["events"]) {
  const all = events.flatMap(({ body, messageId, delivery }) => [
    { body, messageId, at: delivery.at },
    ...delivery.again.map((extra, k) => ({
      body,
      messageId: extra.sameId ? messageId : `${messageId}_resent${k}`,
      at: extra.at,
    })),
  ]);
  return all
    .map((entry, order) => ({ ...entry, order }))
    .sort((a, b) => a.at - b.at || a.order - b.order);
}

const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8 as ${column}`;

async function directoryRows(userIds: string[], orgIds: string[]) {
  const [users, organizations, memberships] = await Promise.all([
    owner.query(
      `select id, display_name, email, image_url, ${ms("updated_at")}, ${ms("deleted_at")} from directory.users where id = any($1::text[]) order by id`,
      [userIds],
    ),
    owner.query(
      `select id, name, slug, ${ms("updated_at")}, ${ms("deleted_at")} from directory.organizations where id = any($1::text[]) order by id`,
      [orgIds],
    ),
    owner.query(
      `select organization_id, user_id, role, ${ms("updated_at")}, ${ms("deleted_at")} from directory.memberships where organization_id = any($1::text[]) order by organization_id, user_id`,
      [orgIds],
    ),
  ]);
  return { users: users.rows, organizations: organizations.rows, memberships: memberships.rows };
}

const sortedBy = <T>(rows: T[], key: (row: T) => string) =>
  [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

describe("webhook delivery in any order, with duplicates", () => {
  it("converges on the newest event about each user, organization and membership", async () => {
    await fc.assert(
      // One worker, or two at once: Svix may deliver several messages side by side.
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 30, size: "max" }),
        fc.constantFrom(1, 2),
        async (steps, workers) => {
          const run = randomUUID().slice(0, 8);
          const ids = {
            run,
            users: Array.from({ length: USERS }, (_, i) => freshUserId(`cv${i}`)),
            orgs: Array.from({ length: ORGS }, (_, i) => freshOrgId(`cv${i}`)),
          };
          made.users.push(...ids.users);
          made.organizations.push(...ids.orgs);
          const { events, expected } = simulate(steps, ids);

          const queue = deliveries(events);
          const outcomes = new Map<string, string[]>();
          const worker = async () => {
            for (let next = queue.shift(); next; next = queue.shift()) {
              const parsed = changesFromEvent(JSON.parse(next.body));
              if (!parsed.handled) throw new Error(`${parsed.type} should be handled`);
              if (!outcomes.has(next.messageId)) made.messages.push(next.messageId);
              const outcome = await applyWebhookMessage(next.messageId, parsed.changes);
              outcomes.set(next.messageId, [...(outcomes.get(next.messageId) ?? []), outcome]);
            }
          };
          await Promise.all(Array.from({ length: workers }, worker));

          // Each message is applied once; delivered one at a time, the first delivery is the one applied.
          for (const results of outcomes.values()) {
            expect(workers === 1 ? results : [...results].sort()).toEqual([
              "applied",
              ...results.slice(1).map(() => "duplicate"),
            ]);
          }
          expect(await directoryRows(ids.users, ids.orgs)).toEqual({
            users: sortedBy(expected.users, (row) => row.id),
            organizations: sortedBy(expected.organizations, (row) => row.id),
            memberships: sortedBy(
              expected.memberships,
              (row) => `${row.organization_id}/${row.user_id}`,
            ),
          });
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("ties and races", () => {
  const version = Date.UTC(2026, 5, 1);

  it.each([
    ["live first", false],
    ["deletion first", true],
  ])("at equal versions a deletion wins (%s)", async (_label, deletionFirst) => {
    const userId = freshUserId("tie");
    const orgId = freshOrgId("tie");
    made.users.push(userId);
    made.organizations.push(orgId);
    const live: DirectoryChange[] = [
      {
        kind: "user",
        id: userId,
        version,
        deleted: false,
        displayName: "Ada",
        email: "ada@example.com",
        imageUrl: null,
      },
      { kind: "organization", id: orgId, version, deleted: false, name: "Acme", slug: "acme" },
      {
        kind: "membership",
        organizationId: orgId,
        userId,
        version,
        deleted: false,
        role: "org:admin",
      },
    ];
    const deletions: DirectoryChange[] = [
      { kind: "user", id: userId, version, deleted: true },
      { kind: "organization", id: orgId, version, deleted: true },
      { kind: "membership", organizationId: orgId, userId, version, deleted: true, role: null },
    ];
    for (const changes of deletionFirst ? [deletions, live] : [live, deletions])
      await applyDirectoryChanges(changes);

    expect(await directoryRows([userId], [orgId])).toEqual({
      users: [
        {
          id: userId,
          display_name: null,
          email: null,
          image_url: null,
          updated_at: version,
          deleted_at: version,
        },
      ],
      organizations: [
        { id: orgId, name: null, slug: null, updated_at: version, deleted_at: version },
      ],
      memberships: [
        {
          organization_id: orgId,
          user_id: userId,
          role: null,
          updated_at: version,
          deleted_at: version,
        },
      ],
    });
  });

  it("a message delivered twice at the same moment is applied once", async () => {
    const userId = freshUserId("race");
    const messageId = `msg_cv_race_${userId}`;
    made.users.push(userId);
    made.messages.push(messageId);
    const changes: DirectoryChange[] = [
      {
        kind: "user",
        id: userId,
        version,
        deleted: false,
        displayName: "Ada",
        email: null,
        imageUrl: null,
      },
    ];
    const outcomes = await Promise.all([
      applyWebhookMessage(messageId, changes),
      applyWebhookMessage(messageId, changes),
    ]);
    expect(outcomes.sort()).toEqual(["applied", "duplicate"]);
  });
});
