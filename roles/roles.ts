/**
 * The one mapping from a Clerk organization role to the Postgres login role a
 * request runs as, and the environment variable holding that role's
 * connection string. Anything unknown falls to the least privilege.
 */
export const BACKEND_ROLES = {
  authenticated_backend: { urlEnv: "DATABASE_AUTHENTICATED_URL" },
  moderator_backend: { urlEnv: "DATABASE_MODERATOR_URL" },
  admin_backend: { urlEnv: "DATABASE_ADMIN_URL" },
} as const;

export type BackendRole = keyof typeof BACKEND_ROLES;
export type ClerkOrgRole = "org:member" | "org:moderator" | "org:admin";

export const BACKEND_ROLE_NAMES = Object.keys(BACKEND_ROLES) as BackendRole[];

const ORG_ROLE_TO_BACKEND: Record<ClerkOrgRole, BackendRole> = {
  "org:member": "authenticated_backend",
  "org:moderator": "moderator_backend",
  "org:admin": "admin_backend",
};

export const LEAST_PRIVILEGED: BackendRole = "authenticated_backend";

function isClerkOrgRole(value: string): value is ClerkOrgRole {
  return Object.hasOwn(ORG_ROLE_TO_BACKEND, value);
}

/**
 * Normalizes a raw org role as it appears in a token. v2 tokens drop the
 * `org:` prefix. Only exact known roles (after trimming and lower-casing)
 * count; everything else, including non-strings, is `null`.
 */
export function normalizeOrgRole(raw: unknown): ClerkOrgRole | null {
  if (typeof raw !== "string") return null;
  const trimmed = raw.trim().toLowerCase();
  if (trimmed === "") return null;
  const prefixed = trimmed.startsWith("org:") ? trimmed : `org:${trimmed}`;
  return isClerkOrgRole(prefixed) ? prefixed : null;
}

/**
 * Reads the org role from Clerk session claims: v1 carries `org_role`
 * ("org:admin"), v2 carries `o.rol` ("admin"). A v2 token (`v: 2` or later) is
 * read only as v2, so a stray `org_role` claim cannot raise it.
 */
export function orgRoleFromClaims(claims: Record<string, unknown>): ClerkOrgRole | null {
  if (typeof claims.v === "number" && claims.v >= 2) {
    const o = claims.o;
    if (o === null || typeof o !== "object" || Array.isArray(o)) return null;
    return normalizeOrgRole((o as Record<string, unknown>).rol);
  }
  return normalizeOrgRole(claims.org_role);
}

export function backendRoleForOrgRole(orgRole: ClerkOrgRole | null): BackendRole {
  return orgRole ? ORG_ROLE_TO_BACKEND[orgRole] : LEAST_PRIVILEGED;
}

export function backendRoleForClaims(claims: Record<string, unknown>): BackendRole {
  return backendRoleForOrgRole(orgRoleFromClaims(claims));
}

export function connectionEnvFor(role: BackendRole): string {
  return BACKEND_ROLES[role].urlEnv;
}
