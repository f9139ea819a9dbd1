-- Custom migration (drizzle-kit generate --custom): reverting a transaction
-- (decision 019).
--
-- The audit triggers now also keep audit.transactions, one row per
-- transaction and tenant: how many entries it wrote and, for a revert, which
-- transaction it reverts. The request roles read it under its policies and
-- write nothing, as with the log.
GRANT SELECT ON audit.transactions TO authenticated_backend, moderator_backend, admin_backend;
--> statement-breakpoint
-- The transaction a revert is undoing, named by warden.revert_transaction for
-- the length of its own transaction. Any request could set the setting; all
-- it buys is a label on its own changes, which the log still attributes to it.
CREATE FUNCTION audit.reverting_tx() RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN s ~ '^[1-9][0-9]{0,17}$' THEN s::bigint END
  FROM (SELECT current_setting('warden.reverting', true) AS s) setting
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit.reverting_tx() FROM PUBLIC;
--> statement-breakpoint
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
             (CASE WHEN tg_table_name = 'todo_reviews' THEN n.j ->> 'todo_id' ELSE n.j ->> 'id' END)::bigint,
             NULL, n.j
      FROM (SELECT to_jsonb(r) AS j FROM new_rows r) n
      RETURNING tenant_id)
    SELECT array_agg(tenant_id) INTO v_tenants FROM logged;
  ELSIF tg_op = 'UPDATE' THEN
    WITH logged AS (
      INSERT INTO audit.audit_log (tx_id, tenant_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
      SELECT v_tx, n.j ->> 'tenant_id', v_actor, session_user, 'update', tg_table_name, (n.j ->> 'id')::bigint,
             (CASE WHEN tg_table_name = 'todo_reviews' THEN n.j ->> 'todo_id' ELSE n.j ->> 'id' END)::bigint,
             o.j, n.j
      FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o
      JOIN (SELECT to_jsonb(r) AS j FROM new_rows r) n ON n.j -> 'id' = o.j -> 'id'
      RETURNING tenant_id)
    SELECT array_agg(tenant_id) INTO v_tenants FROM logged;
  ELSE
    WITH logged AS (
      INSERT INTO audit.audit_log (tx_id, tenant_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
      SELECT v_tx, o.j ->> 'tenant_id', v_actor, session_user, 'delete', tg_table_name, (o.j ->> 'id')::bigint,
             (CASE WHEN tg_table_name = 'todo_reviews' THEN o.j ->> 'todo_id' ELSE o.j ->> 'id' END)::bigint,
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
-- Deleting a todo deletes its reviews by cascade, which no request role could
-- have done by hand, and most could not put back by hand either: members may
-- not write reviews, and separation of duties keeps an admin from writing one
-- on their own todo. So when a revert puts a deleted todo back, exactly as it
-- was, the reviews that the same transaction deleted with it come back too.
-- The todo itself went through the caller's policies; this trigger adds only
-- what the reverted transaction's own log says went with it.
CREATE FUNCTION audit.restore_reviews_with_their_todo() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_reverting bigint := audit.reverting_tx();
BEGIN
  INSERT INTO public.todo_reviews (id, todo_id, tenant_id, reviewer_id, verdict, note, created_at)
  SELECT r.id, r.todo_id, r.tenant_id, r.reviewer_id, r.verdict, r.note, r.created_at
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
REVOKE ALL ON FUNCTION audit.restore_reviews_with_their_todo() FROM PUBLIC;
--> statement-breakpoint
CREATE TRIGGER todos_restore_reviews AFTER INSERT ON public.todos REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT WHEN (pg_catalog.current_setting('warden.reverting', true) <> '') EXECUTE FUNCTION audit.restore_reviews_with_their_todo();
--> statement-breakpoint
-- A row's net change within one transaction: its state before the first
-- entry and after the last.
CREATE TYPE warden.net_change AS (table_name text, row_id bigint, todo_id bigint, before jsonb, after jsonb);
--> statement-breakpoint
-- Reverts one transaction, atomically, as the caller: SECURITY INVOKER, so
-- every read and write below goes through the caller's own policies, and a
-- row they could not have changed themselves makes the whole revert fail.
--
--   WD404  no such transaction, or none the caller may see
--   WD403  HINT setup: not a request's; hidden: part of it is hidden from
--          the caller; refused: a row their policies do not let them change
--   WD409  HINT changed: rows changed since (DETAIL: them, as JSON);
--          reverted: already reverted (DETAIL: by which transaction);
--          constraint: a deleted row's id is taken again, or its owner
--          has left the organization
--
-- Returns the revert's own transaction id (itself revertible), or NULL when
-- the transaction's changes cancel out and there is nothing to put back.
CREATE FUNCTION warden.revert_transaction(p_tx bigint) RETURNS bigint
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
    UPDATE public.todo_reviews r SET reviewer_id = b.reviewer_id, verdict = b.verdict, note = b.note, created_at = b.created_at
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
    INSERT INTO public.todo_reviews (id, todo_id, tenant_id, reviewer_id, verdict, note, created_at)
    SELECT b.id, b.todo_id, b.tenant_id, b.reviewer_id, b.verdict, b.note, b.created_at
      FROM unnest(v_net) n CROSS JOIN LATERAL jsonb_populate_record(NULL::public.todo_reviews, n.before) b
     WHERE n.table_name = 'todo_reviews' AND n.after IS NULL
       AND NOT EXISTS (SELECT 1 FROM unnest(v_net) m WHERE m.table_name = 'todos' AND m.after IS NULL AND m.row_id = n.todo_id);
  EXCEPTION
    WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'transaction % changed rows you may not change', p_tx USING ERRCODE = 'WD403', HINT = 'refused';
    WHEN unique_violation OR foreign_key_violation THEN
      RAISE EXCEPTION 'transaction % cannot be reverted: %', p_tx, SQLERRM USING ERRCODE = 'WD409', HINT = 'constraint';
  END;
  PERFORM set_config('warden.reverting', '', true);
  RETURN txid_current();
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION warden.revert_transaction(bigint) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION warden.revert_transaction(bigint) TO authenticated_backend, moderator_backend, admin_backend;
