-- Custom migration (drizzle-kit generate --custom): the first statement of
-- every request.
--
-- A request's statements are pipelined: sent together and answered
-- together, in one implicit transaction or one explicit BEGIN … COMMIT. So
-- the session check cannot be a query whose answer the app reads before it
-- sends the rest; it has to stop the rest by itself. This function sets the
-- verified claims for the transaction (is_local, so they end with it) and,
-- for a local session, raises WD401 when the session has ended or expired.
-- An error makes Postgres skip every later statement up to the Sync and roll
-- the transaction back, so nothing after it runs for a dead session.
--
-- SECURITY INVOKER (the default): the session lookup runs as the request's
-- own role, under local_sessions' policies, with the claims just set. No SET
-- clause: one would not touch request.jwt.claims, but there is no need for
-- one when every name is schema-qualified.
CREATE FUNCTION warden.enter(claims text, session_id text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_catalog.set_config('request.jwt.claims', claims, true);
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
REVOKE ALL ON FUNCTION warden.enter(text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION warden.enter(text, text) TO authenticated_backend, moderator_backend, admin_backend;
