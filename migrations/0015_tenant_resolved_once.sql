-- Custom migration (drizzle-kit generate --custom): the tenant is resolved
-- once per transaction, not once per policy per statement.
--
-- A member's page runs about seven initplans, each a PL/pgSQL call that
-- parses the claims JSON: that, not the plan, made RLS cost up to twice the
-- same statement written by hand. warden.enter, which opens every request,
-- now stores the active organization and tenant next to the claims text
-- they were computed from, and the functions the policies call read them
-- back while that text is still the transaction's claims. Claims set any
-- other way (set_config directly, or again after enter) do not match the
-- stored text and are read as before, so no one ever sees another claims'
-- tenant. Everything is is_local: it all ends with the transaction.

-- What warden.active_org_id() and warden.tenant_id() computed until now
-- (0006), under names of their own: enter stores their answers and the
-- tenant functions fall back to them.
CREATE FUNCTION warden.claims_org_id() RETURNS text
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
CREATE FUNCTION warden.claims_tenant_id() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN coalesce(warden.claims_org_id(), 'personal:' || auth.user_id());
END
$$;
--> statement-breakpoint
-- The tenant functions run as their caller, so the request roles need
-- EXECUTE on what those fall back to, as on warden.enter's new calls.
REVOKE ALL ON FUNCTION warden.claims_org_id(), warden.claims_tenant_id() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION warden.claims_org_id(), warden.claims_tenant_id() TO authenticated_backend, moderator_backend, admin_backend;
--> statement-breakpoint
-- Neither an organization id nor a tenant is ever '', so '' stands for
-- NULL (set_config cannot store NULL itself). The key is read back from the
-- setting rather than taken from the argument, so it is exactly the text
-- the tenant functions will compare it with.
CREATE OR REPLACE FUNCTION warden.enter(claims text, session_id text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_catalog.set_config('request.jwt.claims', claims, true);
  PERFORM pg_catalog.set_config('warden.org', coalesce(warden.claims_org_id(), ''), true);
  PERFORM pg_catalog.set_config('warden.tenant', coalesce(warden.claims_tenant_id(), ''), true);
  PERFORM pg_catalog.set_config('warden.claims', pg_catalog.current_setting('request.jwt.claims', true), true);
  IF session_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM public.local_sessions s
    WHERE s.id = session_id AND s.ended_at IS NULL AND s.expires_at > pg_catalog.now()
  ) THEN
    RAISE EXCEPTION 'the session has ended' USING ERRCODE = 'WD401';
  END IF;
  RETURN current_user;
END
$$;
--> statement-breakpoint
-- SQL without a SET clause, so the planner inlines them: an initplan then
-- compares two settings instead of calling PL/pgSQL. Without a stored key
-- (no enter in this transaction) warden.claims reads NULL, which never
-- compares equal, or '', which equals only claims of '' (none at all), for
-- which the stored answers read '' or NULL as well: NULL, as computed.
CREATE OR REPLACE FUNCTION warden.active_org_id() RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT CASE
    WHEN pg_catalog.current_setting('warden.claims', true) OPERATOR(pg_catalog.=) pg_catalog.current_setting('request.jwt.claims', true)
    THEN NULLIF(pg_catalog.current_setting('warden.org', true), '')
    ELSE warden.claims_org_id()
  END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION warden.tenant_id() RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT CASE
    WHEN pg_catalog.current_setting('warden.claims', true) OPERATOR(pg_catalog.=) pg_catalog.current_setting('request.jwt.claims', true)
    THEN NULLIF(pg_catalog.current_setting('warden.tenant', true), '')
    ELSE warden.claims_tenant_id()
  END
$$;
