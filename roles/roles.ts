/**
 * The one mapping from a Clerk organization role to the Postgres login role a
 * request runs as, and the environment variable holding that role's
 * connection string. Anything unknown falls to the least privilege.
 */
const BACKEND_ROLES = {
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
 * Clerk organization ids. Anything else in the org claim (a user id, an
 * empty string, an object) is no organization at all, so a token can never
 * name another user's personal workspace as its organization.
 */
export const ORG_ID_PATTERN = /^org_[A-Za-z0-9_-]{1,100}$/;
/** A personal workspace's tenant id: the prefix cannot start an organization id. */
export const PERSONAL_TENANT_PREFIX = "personal:";

const isV2 = (claims: Record<string, unknown>) => typeof claims.v === "number" && claims.v >= 2;

function v2Organization(claims: Record<string, unknown>): Record<string, unknown> | null {
  const o = claims.o;
  return o !== null && typeof o === "object" && !Array.isArray(o)
    ? (o as Record<string, unknown>)
    : null;
}

/**
 * The active organization of Clerk session claims: `o.id` in v2 tokens
 * (`v: 2` or later, read only as v2, so a stray `org_id` cannot choose one),
 * `org_id` in v1. `null` is the user's personal workspace.
 * `warden.active_org_id()` (migrations) reads the claims the same way.
 */
export function activeOrgFromClaims(claims: Record<string, unknown>): string | null {
  const raw = isV2(claims) ? v2Organization(claims)?.id : claims.org_id;
  return typeof raw === "string" && ORG_ID_PATTERN.test(raw) ? raw : null;
}

/** The tenant the claims act in: the active organization, else the personal workspace of `sub`. */
export function tenantFromClaims(claims: Record<string, unknown>): string | null {
  const org = activeOrgFromClaims(claims);
  if (org) return org;
  return typeof claims.sub === "string" && claims.sub !== ""
    ? `${PERSONAL_TENANT_PREFIX}${claims.sub}`
    : null;
}

/**
 * Reads the org role from Clerk session claims: v1 carries `org_role`
 * ("org:admin"), v2 carries `o.rol` ("admin"). A v2 token is read only as v2,
 * so a stray `org_role` claim cannot raise it. A role counts only inside the
 * active organization that granted it: without one, there is no org role.
 */
export function orgRoleFromClaims(claims: Record<string, unknown>): ClerkOrgRole | null {
  if (!activeOrgFromClaims(claims)) return null;
  return normalizeOrgRole(isV2(claims) ? v2Organization(claims)?.rol : claims.org_role);
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

/**
 * The login role the Clerk webhook and the directory backfill write
 * through. It is not a request role: no token chooses it, and it may touch
 * the directory tables and nothing else (see db/schema.ts and the grants in
 * migrations/0010_directory_grants_and_owner_check.sql).
 */
export const DIRECTORY_ROLE = "directory_backend";
export const DIRECTORY_URL_ENV = "DATABASE_DIRECTORY_URL";

/** Every login role role setup creates, with the variable holding its connection string. */
export const LOGIN_ROLES: readonly { role: string; urlEnv: string }[] = [
  ...BACKEND_ROLE_NAMES.map((role) => ({ role, urlEnv: connectionEnvFor(role) })),
  { role: DIRECTORY_ROLE, urlEnv: DIRECTORY_URL_ENV },
];
