import {
  activeOrgFromClaims,
  backendRoleForClaims,
  orgRoleFromClaims,
  tenantFromClaims,
  type BackendRole,
  type ClerkOrgRole,
} from "./roles";

/**
 * A verified caller: the session token's claims, already checked (signature,
 * issuer, expiry, subject) by the web edge, and the roles they map to. The
 * database layer takes this and nothing less; it never sees a raw token.
 */
export interface Identity {
  userId: string;
  /** The active organization; `null` is the personal workspace. */
  orgId: string | null;
  /** Where every row this identity reads or writes lives: the organization, or `personal:<userId>`. */
  tenantId: string;
  orgRole: ClerkOrgRole | null;
  backendRole: BackendRole;
  claims: Record<string, unknown> & { sub: string };
}

export function identityFromClaims(claims: Identity["claims"]): Identity {
  return {
    userId: claims.sub,
    orgId: activeOrgFromClaims(claims),
    tenantId: tenantFromClaims(claims)!,
    orgRole: orgRoleFromClaims(claims),
    backendRole: backendRoleForClaims(claims),
    claims,
  };
}

/** The session id a token carries (`sid`), when it is a non-empty string. */
export function sessionIdOf(identity: Identity): string | null {
  const sid = identity.claims.sid;
  return typeof sid === "string" && sid.length > 0 ? sid : null;
}
