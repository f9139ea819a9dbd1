import { randomUUID } from "node:crypto";
import { identityFromClaims, type Identity } from "../../roles/identity";
import type { ClerkOrgRole } from "../../roles/roles";
import { DEMO_ORG_ID } from "../demo-identities";
import { createPool } from "../driver";

/** A fresh user id per test, so files never see each other's rows. */
export const freshUserId = (label: string) => `user_${label}_${randomUUID().slice(0, 8)}`;

/**
 * A verified identity, as the web edge hands it to the database layer: the
 * claims of a Clerk v2 session token. Token verification is the edge's job
 * and is tested there; the database layer trusts what it is given.
 */
export function identityFor(userId: string, orgRole: ClerkOrgRole | null): Identity {
  const now = Math.floor(Date.now() / 1000);
  return identityFromClaims({
    sub: userId,
    v: 2,
    sid: `sess_${randomUUID()}`,
    iat: now,
    exp: now + 600,
    ...(orgRole ? { o: { id: DEMO_ORG_ID, rol: orgRole.replace(/^org:/, "") } } : {}),
  });
}

/** The owner connection, for arranging and checking data behind RLS's back. */
export function ownerPool() {
  return createPool(process.env.DATABASE_URL!, { max: 2 });
}
