import { describe, expect, it } from "vitest";
import {
  changesFromEvent,
  changesFromMembership,
  changesFromOrganization,
  changesFromUser,
  InvalidDirectoryObject,
  type DirectoryChange,
} from "./changes";

/**
 * How Clerk's objects become directory changes: the names people see, the
 * email moderators see, and above all the versions, since the version alone
 * decides which of two deliveries wins.
 */

const UPDATED = 1_767_225_600_000;
const LATER = UPDATED + 5_000;

function clerkUser(overrides: Record<string, unknown> = {}) {
  return {
    id: "user_2abcDEF",
    object: "user",
    first_name: "Ada",
    last_name: "Lovelace",
    username: "ada",
    image_url: "https://img.clerk.com/ada.png",
    has_image: true,
    primary_email_address_id: "idn_primary",
    email_addresses: [
      {
        id: "idn_other",
        object: "email_address",
        email_address: "ada@old.example",
        linked_to: [],
        verification: { status: "verified" },
      },
      {
        id: "idn_primary",
        object: "email_address",
        email_address: "ada@example.com",
        linked_to: [],
        verification: { status: "verified" },
      },
    ],
    phone_numbers: [],
    public_metadata: {},
    created_at: UPDATED - 60_000,
    updated_at: UPDATED,
    ...overrides,
  };
}

function clerkOrganization(overrides: Record<string, unknown> = {}) {
  return {
    id: "org_2acme",
    object: "organization",
    name: "Acme",
    slug: "acme",
    members_count: 3,
    public_metadata: {},
    created_at: UPDATED - 60_000,
    updated_at: UPDATED,
    ...overrides,
  };
}

function clerkMembership(overrides: Record<string, unknown> = {}) {
  return {
    id: "orgmem_2xyz",
    object: "organization_membership",
    role: "org:admin",
    permissions: ["org:sys_memberships:manage"],
    organization: clerkOrganization({ updated_at: UPDATED - 30_000 }),
    public_user_data: {
      user_id: "user_2abcDEF",
      first_name: "Ada",
      last_name: "Lovelace",
      identifier: "ada@example.com",
      image_url: "https://img.clerk.com/ada.png",
      has_image: true,
    },
    created_at: UPDATED - 10_000,
    updated_at: UPDATED,
    ...overrides,
  };
}

const event = (type: string, data: unknown, timestamp = LATER) => ({
  type,
  timestamp,
  data,
  object: "event",
  instance_id: "ins_2test",
});

function changesOf(payload: unknown): DirectoryChange[] {
  const parsed = changesFromEvent(payload);
  if (!parsed.handled) throw new Error(`expected ${parsed.type} to be handled`);
  return parsed.changes;
}

const onlyUser = (payload: unknown) => {
  const [change] = changesOf(payload);
  if (change.kind !== "user" || change.deleted) throw new Error("expected a live user change");
  return change;
};

describe("display names", () => {
  it.each([
    ["first and last name", { first_name: "Ada", last_name: "Lovelace" }, "Ada Lovelace"],
    [
      "surrounding spaces trimmed",
      { first_name: "  Ada ", last_name: " Lovelace  " },
      "Ada Lovelace",
    ],
    ["first name alone", { first_name: "Ada", last_name: null }, "Ada"],
    ["last name alone", { first_name: null, last_name: "Lovelace" }, "Lovelace"],
    ["a blank first name is no name", { first_name: "   ", last_name: "Lovelace" }, "Lovelace"],
    [
      "the username without any name",
      { first_name: null, last_name: null, username: "ada" },
      "ada",
    ],
    [
      "the username when the names are blank",
      { first_name: " ", last_name: "", username: " ada " },
      "ada",
    ],
    ["nothing at all", { first_name: null, last_name: null, username: null }, null],
    [
      "a blank username is nothing",
      { first_name: undefined, last_name: undefined, username: "  " },
      null,
    ],
  ])("%s", (_label, names, expected) => {
    expect(onlyUser(event("user.updated", clerkUser(names))).displayName).toBe(expected);
  });

  it("a membership names its member by first and last name only, never by the identifier (often an email members may not read)", () => {
    const anonymous = clerkMembership({
      public_user_data: {
        user_id: "user_2abcDEF",
        first_name: null,
        last_name: null,
        identifier: "ada@example.com",
        image_url: null,
      },
    });
    const provisional = changesOf(event("organizationMembership.created", anonymous)).find(
      (change) => change.kind === "provisional-user",
    );
    expect(provisional).toEqual({
      kind: "provisional-user",
      id: "user_2abcDEF",
      displayName: null,
      imageUrl: null,
    });
  });
});

describe("the email moderators see", () => {
  it("is the primary address, wherever it is in the list", () => {
    expect(onlyUser(event("user.updated", clerkUser())).email).toBe("ada@example.com");
  });

  it("is the first address when the primary id names none of them", () => {
    expect(
      onlyUser(event("user.updated", clerkUser({ primary_email_address_id: "idn_gone" }))).email,
    ).toBe("ada@old.example");
    expect(
      onlyUser(event("user.updated", clerkUser({ primary_email_address_id: null }))).email,
    ).toBe("ada@old.example");
  });

  it("is none without addresses", () => {
    expect(onlyUser(event("user.updated", clerkUser({ email_addresses: [] }))).email).toBeNull();
    expect(
      onlyUser(
        event("user.updated", clerkUser({ email_addresses: null, primary_email_address_id: null })),
      ).email,
    ).toBeNull();
  });
});

describe("user events", () => {
  it("carry the user's details at the user's own updated_at", () => {
    expect(changesOf(event("user.created", clerkUser()))).toEqual([
      {
        kind: "user",
        id: "user_2abcDEF",
        version: UPDATED,
        deleted: false,
        displayName: "Ada Lovelace",
        email: "ada@example.com",
        imageUrl: "https://img.clerk.com/ada.png",
      },
    ]);
  });

  it("fall back to the event's timestamp only when the object has no updated_at", () => {
    expect(
      onlyUser(event("user.updated", clerkUser({ updated_at: undefined }), LATER)).version,
    ).toBe(LATER);
    expect(onlyUser(event("user.updated", clerkUser({ updated_at: null }), LATER)).version).toBe(
      LATER,
    );
  });

  it("a deletion is a tombstone at the event's timestamp, with no details", () => {
    expect(
      changesOf(
        event("user.deleted", { id: "user_2abcDEF", object: "user", deleted: true }, LATER),
      ),
    ).toEqual([{ kind: "user", id: "user_2abcDEF", version: LATER, deleted: true }]);
  });

  it("a missing picture is null", () => {
    expect(
      onlyUser(event("user.updated", clerkUser({ image_url: undefined }))).imageUrl,
    ).toBeNull();
  });
});

describe("organization events", () => {
  it("carry name and slug at the organization's updated_at", () => {
    expect(changesOf(event("organization.updated", clerkOrganization()))).toEqual([
      {
        kind: "organization",
        id: "org_2acme",
        version: UPDATED,
        deleted: false,
        name: "Acme",
        slug: "acme",
      },
    ]);
  });

  it("fall back to the event's timestamp without updated_at", () => {
    expect(
      changesOf(
        event("organization.created", clerkOrganization({ updated_at: undefined }), LATER),
      )[0],
    ).toMatchObject({ version: LATER });
  });

  it("a deletion is a tombstone at the event's timestamp", () => {
    expect(
      changesOf(
        event(
          "organization.deleted",
          { id: "org_2acme", object: "organization", deleted: true },
          LATER,
        ),
      ),
    ).toEqual([{ kind: "organization", id: "org_2acme", version: LATER, deleted: true }]);
  });
});

describe("membership events", () => {
  it("carry the organization at its own version, the member provisionally, and the membership at its updated_at", () => {
    expect(changesOf(event("organizationMembership.created", clerkMembership()))).toEqual([
      {
        kind: "organization",
        id: "org_2acme",
        version: UPDATED - 30_000,
        deleted: false,
        name: "Acme",
        slug: "acme",
      },
      {
        kind: "provisional-user",
        id: "user_2abcDEF",
        displayName: "Ada Lovelace",
        imageUrl: "https://img.clerk.com/ada.png",
      },
      {
        kind: "membership",
        organizationId: "org_2acme",
        userId: "user_2abcDEF",
        version: UPDATED,
        deleted: false,
        role: "org:admin",
      },
    ]);
  });

  it("an embedded organization without updated_at is the weakest version, not the event's time", () => {
    // The event's time would let a stale copy of the organization outrank a real update.
    const [organization] = changesOf(
      event(
        "organizationMembership.updated",
        clerkMembership({ organization: clerkOrganization({ updated_at: undefined }) }),
      ),
    );
    expect(organization).toMatchObject({ kind: "organization", version: 0 });
  });

  it("a membership without updated_at takes the event's timestamp", () => {
    const membership = changesOf(
      event("organizationMembership.updated", clerkMembership({ updated_at: undefined }), LATER),
    ).at(-1);
    expect(membership).toMatchObject({ kind: "membership", version: LATER });
  });

  it("a deletion ends the membership at the event's timestamp, with no role", () => {
    const membership = changesOf(
      event("organizationMembership.deleted", clerkMembership(), LATER),
    ).at(-1);
    expect(membership).toEqual({
      kind: "membership",
      organizationId: "org_2acme",
      userId: "user_2abcDEF",
      version: LATER,
      deleted: true,
      role: null,
    });
  });

  it("a deletion is never older than the membership it ends, whatever the event's timestamp says", () => {
    const membership = changesOf(
      event("organizationMembership.deleted", clerkMembership(), UPDATED - 1_000),
    ).at(-1);
    expect(membership).toMatchObject({ deleted: true, version: UPDATED });
  });
});

describe("Backend API objects (the backfill)", () => {
  it("take the object's own updated_at, with no event around them", () => {
    expect(changesFromUser(clerkUser())).toEqual([
      {
        kind: "user",
        id: "user_2abcDEF",
        version: UPDATED,
        deleted: false,
        displayName: "Ada Lovelace",
        email: "ada@example.com",
        imageUrl: "https://img.clerk.com/ada.png",
      },
    ]);
    expect(changesFromOrganization(clerkOrganization())).toEqual([
      {
        kind: "organization",
        id: "org_2acme",
        version: UPDATED,
        deleted: false,
        name: "Acme",
        slug: "acme",
      },
    ]);
    expect(changesFromMembership(clerkMembership()).at(-1)).toEqual({
      kind: "membership",
      organizationId: "org_2acme",
      userId: "user_2abcDEF",
      version: UPDATED,
      deleted: false,
      role: "org:admin",
    });
  });

  it("without updated_at are the weakest version, so any webhook event outranks them", () => {
    expect(changesFromUser(clerkUser({ updated_at: undefined }))[0]).toMatchObject({ version: 0 });
    expect(changesFromOrganization(clerkOrganization({ updated_at: undefined }))[0]).toMatchObject({
      version: 0,
    });
    expect(changesFromMembership(clerkMembership({ updated_at: undefined })).at(-1)).toMatchObject({
      version: 0,
    });
  });
});

describe("event types the directory ignores", () => {
  it.each([
    "session.created",
    "email.created",
    "organizationInvitation.accepted",
    "organizationDomain.created",
    "User.created",
    "user.created ",
    "user",
    "constructor",
    "__proto__",
    "",
  ])("%j is not handled", (type) => {
    expect(changesFromEvent(event(type, { anything: true }))).toEqual({ type, handled: false });
  });

  it("are passed over even when their data is nothing the directory could read", () => {
    expect(changesFromEvent(event("session.ended", null))).toEqual({
      type: "session.ended",
      handled: false,
    });
  });
});

describe("malformed payloads", () => {
  it.each([
    ["no payload", null],
    ["a string", "user.created"],
    ["an array", [event("user.created", clerkUser())]],
    ["no type", { timestamp: LATER, data: clerkUser() }],
    ["no timestamp", { type: "user.created", data: clerkUser() }],
    [
      "a timestamp in a string",
      event("user.created", clerkUser(), String(LATER) as unknown as number),
    ],
    ["a fractional timestamp", event("user.created", clerkUser(), LATER + 0.5)],
    ["a negative timestamp", event("user.created", clerkUser(), -1)],
    [
      "a timestamp past the last representable date",
      event("user.created", clerkUser(), 8.64e15 + 1),
    ],
  ])("an envelope with %s is refused", (_label, payload) => {
    expect(() => changesFromEvent(payload)).toThrow(InvalidDirectoryObject);
  });

  it.each([
    ["user.created", null],
    ["user.created", { ...clerkUser(), id: undefined }],
    ["user.updated", clerkUser({ first_name: 42 })],
    ["user.updated", clerkUser({ updated_at: "1767225600000" })],
    ["user.updated", clerkUser({ updated_at: -5 })],
    ["user.updated", clerkUser({ email_addresses: [{ id: "idn_1" }] })],
    [
      "user.updated",
      clerkUser({
        email_addresses: Array.from({ length: 101 }, (_, i) => ({
          id: `idn_${i}`,
          email_address: `a${i}@example.com`,
        })),
      }),
    ],
    ["user.deleted", { id: "user_2abcDEF", object: "user" }],
    ["user.deleted", { id: "user_2abcDEF", object: "user", deleted: "true" }],
    ["user.deleted", { id: "user_2abcDEF", object: "user", deleted: false }],
    ["organization.created", { ...clerkOrganization(), name: ["Acme"] }],
    ["organization.deleted", { id: "org_2acme", object: "organization" }],
    ["organizationMembership.created", { ...clerkMembership(), organization: undefined }],
    ["organizationMembership.created", { ...clerkMembership(), public_user_data: undefined }],
    ["organizationMembership.updated", clerkMembership({ role: { key: "org:admin" } })],
    [
      "organizationMembership.deleted",
      { id: "orgmem_2xyz", object: "organization_membership", deleted: true },
    ],
  ])("%s with unreadable data is refused", (type, data) => {
    expect(() => changesFromEvent(event(type, data))).toThrow(InvalidDirectoryObject);
  });

  it("display fields are kept, cut to size and cleaned, never refused: Clerk would retry the event for a day", () => {
    const {
      changes: [user],
    } = changesFromEvent(
      event(
        "user.updated",
        clerkUser({
          first_name: `Zo\u0000e${"x".repeat(300)}`,
          last_name: null,
          image_url: `https://img.example/${"x".repeat(2048)}`,
        }),
      ),
    ) as unknown as { changes: [{ displayName: string; imageUrl: string | null }] };
    expect(user.displayName).toBe(`Zoe${"x".repeat(253)}`);
    expect(user.imageUrl).toBeNull();
  });

  it("the Backend API readers refuse what they cannot read too", () => {
    expect(() => changesFromUser({ id: "user_x", first_name: 1 })).toThrow(InvalidDirectoryObject);
    expect(() => changesFromOrganization({ id: "org_x", slug: false })).toThrow(
      InvalidDirectoryObject,
    );
    expect(() =>
      changesFromMembership({ role: "org:member", organization: { id: "org_x" } }),
    ).toThrow(InvalidDirectoryObject);
  });
});

describe("ids", () => {
  const badUserIds = [
    "",
    "user 2abc",
    "user_2abc;drop",
    "user/../x",
    "user_ä",
    "x".repeat(129),
    "user_2abc\n",
  ];
  const badOrgIds = [
    "",
    "org_",
    "acme",
    "user_2abcDEF",
    "personal:user_2abcDEF",
    "ORG_acme",
    "org_acme/x",
    "org_acme ",
    `org_${"a".repeat(101)}`,
  ];

  it("the longest ids that fit are accepted", () => {
    expect(onlyUser(event("user.created", clerkUser({ id: "u".repeat(128) }))).id).toBe(
      "u".repeat(128),
    );
    expect(
      changesOf(
        event("organization.created", clerkOrganization({ id: `org_${"a".repeat(100)}` })),
      )[0],
    ).toMatchObject({ id: `org_${"a".repeat(100)}` });
  });

  it.each(badUserIds)("user id %j is refused wherever it appears", (id) => {
    expect(() => changesFromEvent(event("user.created", clerkUser({ id })))).toThrow(
      InvalidDirectoryObject,
    );
    expect(() =>
      changesFromEvent(event("user.deleted", { id, object: "user", deleted: true })),
    ).toThrow(InvalidDirectoryObject);
    const membership = clerkMembership({
      public_user_data: { ...clerkMembership().public_user_data, user_id: id },
    });
    expect(() => changesFromEvent(event("organizationMembership.created", membership))).toThrow(
      InvalidDirectoryObject,
    );
    expect(() => changesFromUser(clerkUser({ id }))).toThrow(InvalidDirectoryObject);
  });

  it.each(badOrgIds)("organization id %j is refused wherever it appears", (id) => {
    expect(() =>
      changesFromEvent(event("organization.created", clerkOrganization({ id }))),
    ).toThrow(InvalidDirectoryObject);
    expect(() =>
      changesFromEvent(
        event("organization.deleted", { id, object: "organization", deleted: true }),
      ),
    ).toThrow(InvalidDirectoryObject);
    expect(() =>
      changesFromEvent(
        event(
          "organizationMembership.deleted",
          clerkMembership({ organization: clerkOrganization({ id }) }),
        ),
      ),
    ).toThrow(InvalidDirectoryObject);
    expect(() => changesFromOrganization(clerkOrganization({ id }))).toThrow(
      InvalidDirectoryObject,
    );
  });
});
