import type { ClerkOrgRole } from "../roles/roles";

/** The people the local identity provider can sign in as (embedded default only). */
export interface DemoIdentity {
  userId: string;
  name: string;
  orgRole: ClerkOrgRole;
  todos: readonly string[];
}

export const DEMO_ORG_ID = "org_warden_demo";

export const DEMO_IDENTITIES: readonly DemoIdentity[] = [
  { userId: "user_alice", name: "Alice", orgRole: "org:member", todos: ["Draft the Q3 roadmap", "Book the team offsite", "Review Bob's pull request"] },
  { userId: "user_bob", name: "Bob", orgRole: "org:member", todos: ["Fix the flaky login test", "Renew the TLS certificate"] },
  { userId: "user_maya", name: "Maya", orgRole: "org:moderator", todos: ["Update the moderation guidelines"] },
  { userId: "user_adam", name: "Adam", orgRole: "org:admin", todos: ["Rotate the database passwords"] },
];

export function findDemoIdentity(userId: unknown): DemoIdentity | undefined {
  return DEMO_IDENTITIES.find((identity) => identity.userId === userId);
}
