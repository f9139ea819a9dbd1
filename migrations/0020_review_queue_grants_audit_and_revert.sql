-- Custom migration (drizzle-kit generate --custom): the team review queue
-- (decision 020), what drizzle's schema cannot say about claims, escalations
-- and the reason of a verdict.

-- Members get nothing of the queue's tables. Moderators and admins read
-- both; they claim, renew, take over and release claims; moderators
-- escalate, naming only the todo, the reason and the note (every other
-- column is its default, which the policy checks); admins resolve, setting
-- only who resolved it and when. Identity columns take their values without
-- any privilege on their sequences, so the default grants on those go too.
REVOKE ALL ON public.todo_claims, public.todo_escalations FROM authenticated_backend, moderator_backend, admin_backend;
--> statement-breakpoint
REVOKE ALL ON SEQUENCE public.todo_claims_id_seq, public.todo_escalations_id_seq FROM authenticated_backend, moderator_backend, admin_backend;
--> statement-breakpoint
GRANT SELECT, DELETE ON public.todo_claims TO moderator_backend, admin_backend;
--> statement-breakpoint
GRANT INSERT (todo_id, expires_at), UPDATE (claimant_id, claimed_at, expires_at) ON public.todo_claims TO moderator_backend, admin_backend;
--> statement-breakpoint
GRANT SELECT ON public.todo_escalations TO moderator_backend, admin_backend;
--> statement-breakpoint
GRANT INSERT (todo_id, reason, note) ON public.todo_escalations TO moderator_backend;
--> statement-breakpoint
GRANT UPDATE (resolved_by, resolved_at) ON public.todo_escalations TO admin_backend;
--> statement-breakpoint
-- A flag needs a reason and an approval takes none, for every review
-- written from this migration on. Reviews written before keep no reason and
-- stay valid, also when a revert puts one back as it was: the constraint
-- exempts them by their creation time, fixed when the migration runs (a
-- literal date in the schema would refuse the reviews written between that
-- date and the deploy).
DO $$
BEGIN
  EXECUTE format(
    'ALTER TABLE public.todo_reviews ADD CONSTRAINT todo_reviews_reason_fits_verdict CHECK (created_at < %L::timestamptz OR (verdict = ''flagged'') = (reason IS NOT NULL))',
    now());
END
$$;
--> statement-breakpoint
-- Every row but a todo's own names its todo in todo_id: reviews, claims and
-- escalations alike. Otherwise as 0018 left it.
CREATE OR REPLACE FUNCTION audit.log_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_actor text := auth.user_id();
  v_tx bigint := txid_current();
  v_tenants text[];
BEGIN
  IF tg_op = 'INSERT' THEN
    WITH logged AS (
      INSERT INTO audit.audit_log (tx_id, tenant_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
      SELECT v_tx, n.j ->> 'tenant_id', v_actor, session_user, 'insert', tg_table_name, (n.j ->> 'id')::bigint,
             (CASE WHEN tg_table_name = 'todos' THEN n.j ->> 'id' ELSE n.j ->> 'todo_id' END)::bigint,
             NULL, n.j
      FROM (SELECT to_jsonb(r) AS j FROM new_rows r) n
      RETURNING tenant_id)
    SELECT array_agg(tenant_id) INTO v_tenants FROM logged;
  ELSIF tg_op = 'UPDATE' THEN
    WITH logged AS (
      INSERT INTO audit.audit_log (tx_id, tenant_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
      SELECT v_tx, n.j ->> 'tenant_id', v_actor, session_user, 'update', tg_table_name, (n.j ->> 'id')::bigint,
             (CASE WHEN tg_table_name = 'todos' THEN n.j ->> 'id' ELSE n.j ->> 'todo_id' END)::bigint,
             o.j, n.j
      FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o
      JOIN (SELECT to_jsonb(r) AS j FROM new_rows r) n ON n.j -> 'id' = o.j -> 'id'
      RETURNING tenant_id)
    SELECT array_agg(tenant_id) INTO v_tenants FROM logged;
  ELSE
    WITH logged AS (
      INSERT INTO audit.audit_log (tx_id, tenant_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
      SELECT v_tx, o.j ->> 'tenant_id', v_actor, session_user, 'delete', tg_table_name, (o.j ->> 'id')::bigint,
             (CASE WHEN tg_table_name = 'todos' THEN o.j ->> 'id' ELSE o.j ->> 'todo_id' END)::bigint,
             o.j, NULL
      FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o
      RETURNING tenant_id)
    SELECT array_agg(tenant_id) INTO v_tenants FROM logged;
  END IF;
  INSERT INTO audit.transactions AS t (tx_id, tenant_id, actor, db_role, entries, reverts_tx_id)
  SELECT v_tx, tenant, v_actor, session_user, count(*), audit.reverting_tx()
  FROM unnest(v_tenants) AS tenant
  GROUP BY tenant
  ON CONFLICT (tx_id, tenant_id) DO UPDATE SET entries = t.entries + excluded.entries;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Every change is audited, and tenants and ids never change (0003, 0004, 0008).
CREATE TRIGGER todo_claims_audit_insert AFTER INSERT ON public.todo_claims REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todo_claims_audit_update AFTER UPDATE ON public.todo_claims REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todo_claims_audit_delete AFTER DELETE ON public.todo_claims REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todo_claims_immutable_tenant BEFORE UPDATE OF tenant_id ON public.todo_claims FOR EACH ROW WHEN (new.tenant_id IS DISTINCT FROM old.tenant_id) EXECUTE FUNCTION audit.forbid_tenant_change();
--> statement-breakpoint
CREATE TRIGGER todo_claims_immutable_id BEFORE UPDATE OF id ON public.todo_claims FOR EACH ROW WHEN (new.id IS DISTINCT FROM old.id) EXECUTE FUNCTION audit.forbid_id_change();
--> statement-breakpoint
CREATE TRIGGER todo_escalations_audit_insert AFTER INSERT ON public.todo_escalations REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todo_escalations_audit_update AFTER UPDATE ON public.todo_escalations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todo_escalations_audit_delete AFTER DELETE ON public.todo_escalations REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todo_escalations_immutable_tenant BEFORE UPDATE OF tenant_id ON public.todo_escalations FOR EACH ROW WHEN (new.tenant_id IS DISTINCT FROM old.tenant_id) EXECUTE FUNCTION audit.forbid_tenant_change();
--> statement-breakpoint
CREATE TRIGGER todo_escalations_immutable_id BEFORE UPDATE OF id ON public.todo_escalations FOR EACH ROW WHEN (new.id IS DISTINCT FROM old.id) EXECUTE FUNCTION audit.forbid_id_change();
--> statement-breakpoint
-- Reviews carry their reason now; one put back comes back with it.
CREATE OR REPLACE FUNCTION audit.restore_reviews_with_their_todo() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_reverting bigint := audit.reverting_tx();
BEGIN
  INSERT INTO public.todo_reviews (id, todo_id, tenant_id, reviewer_id, verdict, reason, note, created_at)
  SELECT r.id, r.todo_id, r.tenant_id, r.reviewer_id, r.verdict, r.reason, r.note, r.created_at
  FROM new_rows t
  -- Looked up per todo by (tenant_id, todo_id), an index of the log, rather
  -- than by transaction: a 10,000-row transaction would be read once per row.
  JOIN audit.audit_log d ON d.tenant_id = t.tenant_id AND d.todo_id = t.id AND d.tx_id = v_reverting
                        AND d.table_name = 'todos' AND d.action = 'delete' AND d.before = to_jsonb(t)
  JOIN audit.audit_log e ON e.tenant_id = t.tenant_id AND e.todo_id = t.id AND e.tx_id = v_reverting
                        AND e.table_name = 'todo_reviews' AND e.action = 'delete'
  CROSS JOIN LATERAL jsonb_populate_record(NULL::public.todo_reviews, e.before) r;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Reverting stays about todos and reviews. A transaction that also changed a
-- claim or an escalation is refused as a whole rather than reverted in part:
-- a claim is a moment's coordination that lapses by itself, and an
-- escalation is answered by resolving it. Deleting a todo touches neither
-- (they have no foreign key to it), so undoing a delete is unaffected.
-- Reviews are put back with their reason. Refusals as in 0018, plus:
--
--   WD409  HINT queue: it claimed, released, escalated or resolved a todo;
--          HINT constraint also when a check no longer holds
CREATE OR REPLACE FUNCTION warden.revert_transaction(p_tx bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_tx audit.transactions;
  v_by bigint;
  v_visible bigint;
  v_net warden.net_change[];
  v_conflicts jsonb;
  v_expected bigint;
  v_done bigint;
BEGIN
  SELECT * INTO v_tx FROM audit.transactions WHERE tx_id = p_tx;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'transaction % does not exist or is not yours to see', p_tx USING ERRCODE = 'WD404';
  END IF;
  IF v_tx.actor IS NULL THEN
    RAISE EXCEPTION 'transaction % was setup work, not a request, and cannot be reverted here', p_tx USING ERRCODE = 'WD403', HINT = 'setup';
  END IF;
  SELECT count(*) INTO v_visible FROM audit.audit_log WHERE tx_id = p_tx AND tenant_id = v_tx.tenant_id;
  IF v_visible <> v_tx.entries THEN
    RAISE EXCEPTION 'transaction % changed rows you may not see', p_tx USING ERRCODE = 'WD403', HINT = 'hidden';
  END IF;
  IF EXISTS (SELECT 1 FROM audit.audit_log a WHERE a.tx_id = p_tx AND a.tenant_id = v_tx.tenant_id AND a.table_name NOT IN ('todos', 'todo_reviews')) THEN
    RAISE EXCEPTION 'transaction % claimed, released, escalated or resolved a todo, which is not undone', p_tx USING ERRCODE = 'WD409', HINT = 'queue';
  END IF;
  SELECT min(t.tx_id) INTO v_by FROM audit.transactions t WHERE t.tenant_id = v_tx.tenant_id AND t.reverts_tx_id = p_tx;
  IF v_by IS NOT NULL THEN
    RAISE EXCEPTION 'transaction % was already reverted by transaction %', p_tx, v_by USING ERRCODE = 'WD409', HINT = 'reverted', DETAIL = v_by::text;
  END IF;

  SELECT coalesce(array_agg(ROW(s.table_name, s.row_id, s.todo_id, s.before, s.after)::warden.net_change), '{}')
    INTO v_net
    FROM (SELECT a.table_name, a.row_id,
                 (array_agg(a.todo_id ORDER BY a.id DESC))[1] AS todo_id,
                 (array_agg(a.before ORDER BY a.id))[1] AS before,
                 (array_agg(a.after ORDER BY a.id DESC))[1] AS after
            FROM audit.audit_log a
           WHERE a.tx_id = p_tx AND a.tenant_id = v_tx.tenant_id
           GROUP BY a.table_name, a.row_id) s
   WHERE s.before IS DISTINCT FROM s.after;
  IF cardinality(v_net) = 0 THEN
    RETURN NULL;
  END IF;

  -- Nobody may change these rows between the comparison and the writes.
  PERFORM 1 FROM public.todos t WHERE t.id IN (SELECT n.row_id FROM unnest(v_net) n WHERE n.table_name = 'todos') FOR UPDATE;

  -- Every row must still be exactly as the transaction left it, and a todo
  -- that goes away must have gained no review since.
  SELECT jsonb_agg(jsonb_build_object('table', c.table_name, 'id', c.row_id) ORDER BY c.table_name DESC, c.row_id)
    INTO v_conflicts
    FROM (SELECT n.table_name, n.row_id
            FROM unnest(v_net) n
            LEFT JOIN public.todos t ON n.table_name = 'todos' AND t.id = n.row_id
            LEFT JOIN public.todo_reviews r ON n.table_name = 'todo_reviews' AND r.id = n.row_id
           WHERE (CASE WHEN t.id IS NOT NULL THEN to_jsonb(t) WHEN r.id IS NOT NULL THEN to_jsonb(r) END) IS DISTINCT FROM n.after
              OR (n.table_name = 'todos' AND n.before IS NULL AND EXISTS (
                    SELECT 1 FROM public.todo_reviews x
                     WHERE x.todo_id = n.row_id
                       AND x.id NOT IN (SELECT m.row_id FROM unnest(v_net) m WHERE m.table_name = 'todo_reviews')))
           LIMIT 1000) c;
  IF v_conflicts IS NOT NULL THEN
    RAISE EXCEPTION 'transaction % cannot be reverted: % changed since', p_tx,
      CASE WHEN jsonb_array_length(v_conflicts) = 1 THEN 'a row' ELSE jsonb_array_length(v_conflicts) || ' rows' END
      USING ERRCODE = 'WD409', HINT = 'changed', DETAIL = v_conflicts::text;
  END IF;

  PERFORM set_config('warden.reverting', p_tx::text, true);
  BEGIN
    -- Inserted rows go. A review whose todo goes too is left to the cascade.
    SELECT count(*) INTO v_expected FROM unnest(v_net) n
     WHERE n.table_name = 'todo_reviews' AND n.before IS NULL
       AND NOT EXISTS (SELECT 1 FROM unnest(v_net) m WHERE m.table_name = 'todos' AND m.before IS NULL AND m.row_id = n.todo_id);
    DELETE FROM public.todo_reviews r USING unnest(v_net) n
     WHERE n.table_name = 'todo_reviews' AND n.before IS NULL AND r.id = n.row_id
       AND NOT EXISTS (SELECT 1 FROM unnest(v_net) m WHERE m.table_name = 'todos' AND m.before IS NULL AND m.row_id = n.todo_id);
    GET DIAGNOSTICS v_done = ROW_COUNT;
    IF v_done <> v_expected THEN RAISE EXCEPTION 'insufficient' USING ERRCODE = 'insufficient_privilege'; END IF;

    SELECT count(*) INTO v_expected FROM unnest(v_net) n WHERE n.table_name = 'todos' AND n.before IS NULL;
    DELETE FROM public.todos t USING unnest(v_net) n WHERE n.table_name = 'todos' AND n.before IS NULL AND t.id = n.row_id;
    GET DIAGNOSTICS v_done = ROW_COUNT;
    IF v_done <> v_expected THEN RAISE EXCEPTION 'insufficient' USING ERRCODE = 'insufficient_privilege'; END IF;

    -- Changed rows go back to how they were.
    SELECT count(*) INTO v_expected FROM unnest(v_net) n WHERE n.table_name = 'todos' AND n.before IS NOT NULL AND n.after IS NOT NULL;
    UPDATE public.todos t SET task = b.task, is_complete = b.is_complete, user_id = b.user_id, inserted_at = b.inserted_at
      FROM unnest(v_net) n CROSS JOIN LATERAL jsonb_populate_record(NULL::public.todos, n.before) b
     WHERE n.table_name = 'todos' AND n.before IS NOT NULL AND n.after IS NOT NULL AND t.id = n.row_id;
    GET DIAGNOSTICS v_done = ROW_COUNT;
    IF v_done <> v_expected THEN RAISE EXCEPTION 'insufficient' USING ERRCODE = 'insufficient_privilege'; END IF;

    SELECT count(*) INTO v_expected FROM unnest(v_net) n WHERE n.table_name = 'todo_reviews' AND n.before IS NOT NULL AND n.after IS NOT NULL;
    UPDATE public.todo_reviews r SET reviewer_id = b.reviewer_id, verdict = b.verdict, reason = b.reason, note = b.note, created_at = b.created_at
      FROM unnest(v_net) n CROSS JOIN LATERAL jsonb_populate_record(NULL::public.todo_reviews, n.before) b
     WHERE n.table_name = 'todo_reviews' AND n.before IS NOT NULL AND n.after IS NOT NULL AND r.id = n.row_id;
    GET DIAGNOSTICS v_done = ROW_COUNT;
    IF v_done <> v_expected THEN RAISE EXCEPTION 'insufficient' USING ERRCODE = 'insufficient_privilege'; END IF;

    -- Deleted rows come back with their ids; the reviews deleted with a todo
    -- come back with it (audit.restore_reviews_with_their_todo).
    INSERT INTO public.todos (id, tenant_id, user_id, task, is_complete, inserted_at)
    SELECT b.id, b.tenant_id, b.user_id, b.task, b.is_complete, b.inserted_at
      FROM unnest(v_net) n CROSS JOIN LATERAL jsonb_populate_record(NULL::public.todos, n.before) b
     WHERE n.table_name = 'todos' AND n.after IS NULL;
    INSERT INTO public.todo_reviews (id, todo_id, tenant_id, reviewer_id, verdict, reason, note, created_at)
    SELECT b.id, b.todo_id, b.tenant_id, b.reviewer_id, b.verdict, b.reason, b.note, b.created_at
      FROM unnest(v_net) n CROSS JOIN LATERAL jsonb_populate_record(NULL::public.todo_reviews, n.before) b
     WHERE n.table_name = 'todo_reviews' AND n.after IS NULL
       AND NOT EXISTS (SELECT 1 FROM unnest(v_net) m WHERE m.table_name = 'todos' AND m.after IS NULL AND m.row_id = n.todo_id);
  EXCEPTION
    WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'transaction % changed rows you may not change', p_tx USING ERRCODE = 'WD403', HINT = 'refused';
    WHEN unique_violation OR foreign_key_violation OR check_violation THEN
      RAISE EXCEPTION 'transaction % cannot be reverted: %', p_tx, SQLERRM USING ERRCODE = 'WD409', HINT = 'constraint';
  END;
  PERFORM set_config('warden.reverting', '', true);
  RETURN txid_current();
END
$$;
