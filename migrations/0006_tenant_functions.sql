-- Custom migration (drizzle-kit generate --custom): the tenant functions the
-- policies call. They read the claims only through auth.session(), which the
-- local shim (roles/setup.ts) and Neon's pg_session_jwt both provide, so the
-- same definition serves both. They mirror activeOrgFromClaims and
-- tenantFromClaims in roles/roles.ts; db/tenant.test.ts holds the two to the
-- same cases.
CREATE SCHEMA IF NOT EXISTS warden;
--> statement-breakpoint
-- The active organization: `o.id` of a v2 token (v a number >= 2, read only
-- as v2), `org_id` of a v1 token; only a Clerk organization id counts.
-- PL/pgSQL, not SQL: its plans are cached for the session, where a SQL
-- function of this shape is planned again at every call (0.4 ms against 0.03).
CREATE FUNCTION warden.active_org_id() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  claims jsonb := auth.session();
  org text;
BEGIN
  IF jsonb_typeof(claims -> 'v') = 'number' AND (claims ->> 'v')::numeric >= 2 THEN
    IF jsonb_typeof(claims -> 'o') = 'object' AND jsonb_typeof(claims -> 'o' -> 'id') = 'string' THEN
      org := claims -> 'o' ->> 'id';
    END IF;
  ELSIF jsonb_typeof(claims -> 'org_id') = 'string' THEN
    org := claims ->> 'org_id';
  END IF;
  IF org ~ '^org_[A-Za-z0-9_-]+$' AND length(org) <= 104 THEN
    RETURN org;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- The tenant a request acts in: its organization, else the personal workspace
-- of its subject; NULL without claims, which matches no row.
CREATE FUNCTION warden.tenant_id() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN coalesce(warden.active_org_id(), 'personal:' || auth.user_id());
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA warden TO authenticated_backend, moderator_backend, admin_backend;
