import type { ClerkOrgRole } from "../roles/roles";

/**
 * The demo directory of the local identity provider (embedded default
 * only): organizations, people and their memberships, shaped like Clerk's.
 * Each person signs in with their first organization active.
 */
interface DemoOrganization {
  id: string;
  name: string;
  slug: string;
}

interface DemoMembership {
  orgId: string;
  role: ClerkOrgRole;
}

export interface DemoIdentity {
  userId: string;
  name: string;
  memberships: readonly DemoMembership[];
  /** Seed todos per tenant: an organization id, or `personal` for the personal workspace. */
  todos: Readonly<Record<string, readonly string[]>>;
}

export const DEMO_ORGANIZATIONS: readonly DemoOrganization[] = [
  { id: "org_acme", name: "Acme", slug: "acme" },
  { id: "org_globex", name: "Globex", slug: "globex" },
  { id: "org_eve", name: "Eve's org", slug: "eve" },
];

/** The organization tests and tools act in unless they say otherwise. */
export const DEMO_ORG_ID = "org_acme";

export const DEMO_IDENTITIES: readonly DemoIdentity[] = [
  {
    userId: "user_alice",
    name: "Alice",
    memberships: [{ orgId: "org_acme", role: "org:member" }],
    todos: {
      org_acme: ["Draft the Q3 roadmap", "Book the team offsite", "Review Bob's pull request"],
      personal: ["Buy a birthday present for Sam"],
    },
  },
  {
    userId: "user_bob",
    name: "Bob",
    memberships: [
      { orgId: "org_acme", role: "org:member" },
      { orgId: "org_globex", role: "org:member" },
    ],
    todos: {
      org_acme: ["Fix the flaky login test", "Renew the TLS certificate"],
      org_globex: ["Price the Globex support plan"],
      personal: ["Renew my passport"],
    },
  },
  {
    userId: "user_maya",
    name: "Maya",
    memberships: [
      { orgId: "org_acme", role: "org:moderator" },
      { orgId: "org_globex", role: "org:member" },
    ],
    todos: {
      org_acme: ["Update the moderation guidelines"],
      org_globex: ["Translate the Globex onboarding guide"],
      personal: ["Plan the hiking weekend"],
    },
  },
  {
    userId: "user_rita",
    name: "Rita",
    memberships: [{ orgId: "org_acme", role: "org:moderator" }],
    todos: { org_acme: ["Sort the moderation backlog"] },
  },
  {
    userId: "user_adam",
    name: "Adam",
    memberships: [{ orgId: "org_acme", role: "org:admin" }],
    todos: { org_acme: ["Rotate the database passwords"] },
  },
  {
    userId: "user_gina",
    name: "Gina",
    memberships: [{ orgId: "org_globex", role: "org:admin" }],
    todos: { org_globex: ["Close the Globex quarter", "Hire a second Globex moderator"] },
  },
  {
    userId: "user_eve",
    name: "Eve",
    memberships: [{ orgId: "org_eve", role: "org:admin" }],
    todos: { org_eve: ["Set up Eve's org"], personal: ["Read about Postgres RLS"] },
  },
];

export function findDemoIdentity(userId: unknown): DemoIdentity | undefined {
  return DEMO_IDENTITIES.find((identity) => identity.userId === userId);
}

export function findDemoOrganization(orgId: unknown): DemoOrganization | undefined {
  return DEMO_ORGANIZATIONS.find((org) => org.id === orgId);
}

/** The person's role in that organization, or undefined when they are not a member. */
export function demoMembership(identity: DemoIdentity, orgId: string): DemoMembership | undefined {
  return identity.memberships.find((membership) => membership.orgId === orgId);
}
