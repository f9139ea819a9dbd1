import { randomUUID } from "node:crypto";
import { identityFromClaims, type Identity } from "../../roles/identity";
import type { ClerkOrgRole } from "../../roles/roles";
import { DEMO_ORG_ID } from "../demo-identities";
import type { PoolClient } from "@neondatabase/serverless";
import { createPool } from "../driver";

/** A fresh user id per test, so files never see each other's rows. */
export const freshUserId = (label: string) => `user_${label}_${randomUUID().slice(0, 8)}`;

/**
 * A verified identity, as the web edge hands it to the database layer: the
 * claims of a Clerk v2 session token. Token verification is the edge's job
 * and is tested there; the database layer trusts what it is given.
 */
export function identityFor(
  userId: string,
  orgRole: ClerkOrgRole | null,
  orgId = DEMO_ORG_ID,
): Identity {
  const now = Math.floor(Date.now() / 1000);
  return identityFromClaims({
    sub: userId,
    v: 2,
    sid: `sess_${randomUUID()}`,
    iat: now,
    exp: now + 600,
    ...(orgRole ? { o: { id: orgId, rol: orgRole.replace(/^org:/, "") } } : {}),
  });
}

/**
 * The owner connection, for arranging and checking data behind RLS's back.
 * Rows it inserts without naming a tenant land in the demo organization: its
 * sessions carry claims naming only that organization (no subject), which
 * the tenant column's default reads.
 */
export function ownerPool() {
  const pool = createPool(process.env.DATABASE_URL!, { max: 2 });
  pool.on("connect", (client: PoolClient) => {
    void client.query("select set_config('request.jwt.claims', $1, false)", [
      JSON.stringify({ v: 2, o: { id: DEMO_ORG_ID } }),
    ]);
  });
  return pool;
}
