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
CREATE FUNCTION warden.active_org_id() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN org ~ '^org_[A-Za-z0-9_-]{1,100}$' THEN org END
  FROM (
    SELECT CASE
      WHEN jsonb_typeof(s -> 'v') = 'number' AND (s ->> 'v')::numeric >= 2 THEN
        CASE WHEN jsonb_typeof(s -> 'o') = 'object' AND jsonb_typeof(s -> 'o' -> 'id') = 'string' THEN s -> 'o' ->> 'id' END
      ELSE
        CASE WHEN jsonb_typeof(s -> 'org_id') = 'string' THEN s ->> 'org_id' END
    END AS org
    FROM (SELECT auth.session() AS s) AS claims
  ) AS parsed
$$;
--> statement-breakpoint
-- The tenant a request acts in: its organization, else the personal workspace
-- of its subject; NULL without claims, which matches no row.
CREATE FUNCTION warden.tenant_id() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(warden.active_org_id(), 'personal:' || auth.user_id())
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA warden TO authenticated_backend, moderator_backend, admin_backend;
