-- Custom migration (drizzle-kit generate --custom): function privileges the
-- policy lint (db/policy-lint.test.ts) holds every function to.

-- Postgres lets PUBLIC execute every new function, so the tenant functions
-- (0006) were callable by any role, the directory's writer included. The
-- request roles keep them: their policies, their column defaults
-- (`tenant_id`) and warden.tenant_id() itself call them as the caller.
REVOKE ALL ON FUNCTION warden.active_org_id(), warden.tenant_id() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION warden.active_org_id(), warden.tenant_id() TO authenticated_backend, moderator_backend, admin_backend;
--> statement-breakpoint
-- A SECURITY DEFINER function must name pg_temp, and last: left out, the
-- caller's own temporary schema is searched for tables before pg_catalog.
ALTER FUNCTION directory.is_live_member(text, text) SET search_path = pg_catalog, pg_temp;
--> statement-breakpoint
ALTER FUNCTION directory.require_member_owner() SET search_path = pg_catalog, pg_temp;
