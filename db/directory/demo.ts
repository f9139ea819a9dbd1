import { DEMO_IDENTITIES, DEMO_ORGANIZATIONS } from "../demo-identities";
import {
  changesFromMembership,
  changesFromOrganization,
  changesFromUser,
  type ClerkMembership,
  type ClerkOrganization,
  type ClerkUser,
  type DirectoryChange,
} from "./changes";

/**
 * The demo directory as Clerk would send it: the same JSON objects, read by
 * the same code as the webhook and the backfill, so the embedded default
 * shows names exactly the way a Clerk deployment does. One fixed version:
 * seeding again changes nothing, and any newer event (a test webhook) wins.
 */
const DEMO_DIRECTORY_VERSION = Date.UTC(2026, 0, 1);

const emailOf = (userId: string) => `${userId.replace(/^user_/, "")}@example.com`;

function demoClerkObjects(): {
  users: ClerkUser[];
  organizations: ClerkOrganization[];
  memberships: ClerkMembership[];
} {
  const organizations: ClerkOrganization[] = DEMO_ORGANIZATIONS.map((org) => ({
    id: org.id,
    name: org.name,
    slug: org.slug,
    updated_at: DEMO_DIRECTORY_VERSION,
  }));
  const users: ClerkUser[] = DEMO_IDENTITIES.map((person) => ({
    id: person.userId,
    first_name: person.name,
    last_name: null,
    primary_email_address_id: `idn_${person.userId}`,
    email_addresses: [{ id: `idn_${person.userId}`, email_address: emailOf(person.userId) }],
    updated_at: DEMO_DIRECTORY_VERSION,
  }));
  const memberships: ClerkMembership[] = DEMO_IDENTITIES.flatMap((person) =>
    person.memberships.map((membership) => ({
      role: membership.role,
      organization: organizations.find((org) => org.id === membership.orgId)!,
      public_user_data: {
        user_id: person.userId,
        first_name: person.name,
        identifier: emailOf(person.userId),
      },
      updated_at: DEMO_DIRECTORY_VERSION,
    })),
  );
  return { users, organizations, memberships };
}

export function demoDirectoryChanges(): DirectoryChange[] {
  const { users, organizations, memberships } = demoClerkObjects();
  return [
    ...organizations.flatMap(changesFromOrganization),
    ...users.flatMap(changesFromUser),
    ...memberships.flatMap(changesFromMembership),
  ];
}
