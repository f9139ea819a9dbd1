import { z } from "zod";
import { hasControlCharacter, withoutControlCharacters } from "../control-characters";
import { ORG_ID_PATTERN } from "../../roles/roles";

/**
 * Clerk's users, organizations and memberships, as its webhooks and its
 * Backend API both send them (the same JSON objects), turned into the
 * directory changes `applyDirectoryChanges` writes. Each change carries the
 * version of Clerk's data it describes, in milliseconds: the object's
 * `updated_at`, or for a deletion the event's own timestamp (a deleted
 * object has no `updated_at`, and nothing about it can be newer).
 */

export type DirectoryChange =
  | {
      kind: "user";
      id: string;
      version: number;
      deleted: false;
      displayName: string | null;
      email: string | null;
      imageUrl: string | null;
    }
  | {
      kind: "organization";
      id: string;
      version: number;
      deleted: false;
      name: string | null;
      slug: string | null;
    }
  | { kind: "user" | "organization"; id: string; version: number; deleted: true }
  | {
      kind: "membership";
      organizationId: string;
      userId: string;
      version: number;
      deleted: boolean;
      role: string | null;
    }
  /**
   * What a membership says of its member, for a member the directory has
   * not heard of yet. It is the weakest version there is: any event about
   * the user replaces it, and it never replaces anything.
   */
  | { kind: "provisional-user"; id: string; displayName: string | null; imageUrl: string | null };

export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

const userId = z.string().regex(USER_ID_PATTERN);
const orgId = z.string().regex(ORG_ID_PATTERN);
/**
 * Display fields are Clerk's to define: what it sends is kept, cut to what
 * Warden shows and cleaned of control characters Postgres text refuses (NUL)
 * or a page would mangle. Refusing one would make Clerk retry the event for a
 * day and never let it through; only ids and versions are refused.
 */
const cleaned = (max: number) =>
  z.string().transform((value) => withoutControlCharacters(value).slice(0, max));
const displayed = (max: number) => cleaned(max).nullish();
const name = displayed(256);
/** A cut URL would be a broken one: an overlong picture URL is dropped instead. */
const url = z
  .string()
  .transform((value) => (value.length > 2048 || hasControlCharacter(value) ? null : value))
  .nullish();
const version = z.number().int().nonnegative().max(8.64e15);

const clerkUser = z.object({
  id: userId,
  first_name: name,
  last_name: name,
  username: name,
  image_url: url,
  primary_email_address_id: z.string().max(200).nullish(),
  email_addresses: z
    .array(z.object({ id: z.string().max(200), email_address: cleaned(320) }))
    .max(100)
    .nullish(),
  updated_at: version.nullish(),
});

const clerkOrganization = z.object({ id: orgId, name, slug: name, updated_at: version.nullish() });

const clerkMembership = z.object({
  role: displayed(100),
  organization: clerkOrganization,
  public_user_data: z.object({
    user_id: userId,
    first_name: name,
    last_name: name,
    identifier: displayed(320),
    image_url: url,
  }),
  updated_at: version.nullish(),
});

const deletedObject = (id: z.ZodString) => z.object({ id, deleted: z.literal(true) });

export type ClerkUser = z.input<typeof clerkUser>;
export type ClerkOrganization = z.input<typeof clerkOrganization>;
export type ClerkMembership = z.input<typeof clerkMembership>;

/** A person's name as Clerk holds it: first and last name, else the username. */
function displayNameOf(
  first?: string | null,
  last?: string | null,
  username?: string | null,
): string | null {
  const full = [first, last]
    .map((part) => part?.trim() ?? "")
    .filter(Boolean)
    .join(" ");
  return full || username?.trim() || null;
}

function primaryEmail(user: z.output<typeof clerkUser>): string | null {
  const addresses = user.email_addresses ?? [];
  return (
    (addresses.find((address) => address.id === user.primary_email_address_id) ?? addresses[0])
      ?.email_address ?? null
  );
}

function userChange(user: z.output<typeof clerkUser>, fallbackVersion: number): DirectoryChange {
  return {
    kind: "user",
    id: user.id,
    version: user.updated_at ?? fallbackVersion,
    deleted: false,
    displayName: displayNameOf(user.first_name, user.last_name, user.username),
    email: primaryEmail(user),
    imageUrl: user.image_url ?? null,
  };
}

function organizationChange(
  organization: z.output<typeof clerkOrganization>,
  fallbackVersion: number,
): DirectoryChange {
  return {
    kind: "organization",
    id: organization.id,
    version: organization.updated_at ?? fallbackVersion,
    deleted: false,
    name: organization.name ?? null,
    slug: organization.slug ?? null,
  };
}

function membershipChanges(
  membership: z.output<typeof clerkMembership>,
  options: { deleted: boolean; version: number },
): DirectoryChange[] {
  const member = membership.public_user_data;
  return [
    organizationChange(membership.organization, 0),
    {
      kind: "provisional-user",
      id: member.user_id,
      displayName: displayNameOf(member.first_name, member.last_name),
      imageUrl: member.image_url ?? null,
    },
    {
      kind: "membership",
      organizationId: membership.organization.id,
      userId: member.user_id,
      version: options.deleted
        ? Math.max(options.version, membership.updated_at ?? 0)
        : (membership.updated_at ?? options.version),
      deleted: options.deleted,
      role: options.deleted ? null : (membership.role ?? null),
    },
  ];
}

export class InvalidDirectoryObject extends Error {}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new InvalidDirectoryObject(
      `not a Clerk ${what}: ${result.error.issues[0]?.message ?? "invalid"}`,
    );
  return result.data;
}

/** The Backend API's objects (directory backfill): versions are their own `updated_at`. */
export const changesFromUser = (value: unknown) => [userChange(parse(clerkUser, value, "user"), 0)];
export const changesFromOrganization = (value: unknown) => [
  organizationChange(parse(clerkOrganization, value, "organization"), 0),
];
export const changesFromMembership = (value: unknown) =>
  membershipChanges(parse(clerkMembership, value, "organization membership"), {
    deleted: false,
    version: 0,
  });

export const DIRECTORY_EVENT_TYPES = [
  "user.created",
  "user.updated",
  "user.deleted",
  "organization.created",
  "organization.updated",
  "organization.deleted",
  "organizationMembership.created",
  "organizationMembership.updated",
  "organizationMembership.deleted",
] as const;
export type DirectoryEventType = (typeof DIRECTORY_EVENT_TYPES)[number];

const envelope = z.object({ type: z.string().max(200), timestamp: version, data: z.unknown() });

export type ParsedEvent =
  | { type: string; handled: false }
  | { type: DirectoryEventType; handled: true; changes: DirectoryChange[] };

/** A verified webhook payload: the changes it asks for, or `handled: false` for event types the directory ignores. */
export function changesFromEvent(payload: unknown): ParsedEvent {
  const event = parse(envelope, payload, "webhook event");
  const type = event.type as DirectoryEventType;
  if (!DIRECTORY_EVENT_TYPES.includes(type)) return { type: event.type, handled: false };
  const at = event.timestamp;
  const changes = ((): DirectoryChange[] => {
    switch (type) {
      case "user.created":
      case "user.updated":
        return [userChange(parse(clerkUser, event.data, "user"), at)];
      case "user.deleted":
        return [
          {
            kind: "user",
            id: parse(deletedObject(userId), event.data, "deleted user").id,
            version: at,
            deleted: true,
          },
        ];
      case "organization.created":
      case "organization.updated":
        return [organizationChange(parse(clerkOrganization, event.data, "organization"), at)];
      case "organization.deleted":
        return [
          {
            kind: "organization",
            id: parse(deletedObject(orgId), event.data, "deleted organization").id,
            version: at,
            deleted: true,
          },
        ];
      case "organizationMembership.created":
      case "organizationMembership.updated":
        return membershipChanges(parse(clerkMembership, event.data, "organization membership"), {
          deleted: false,
          version: at,
        });
      case "organizationMembership.deleted":
        return membershipChanges(parse(clerkMembership, event.data, "organization membership"), {
          deleted: true,
          version: at,
        });
    }
  })();
  return { type, handled: true, changes };
}
