-- Custom migration (drizzle-kit generate --custom): the audit triggers and
-- the audit log's privileges, which drizzle's schema cannot express.

-- Runs as its owner (the migration role), so the app's roles need no write
-- privilege on the log. One INSERT … SELECT per statement: a bulk action of
-- N rows writes its N entries set-based, all with the same transaction id.
CREATE FUNCTION audit.log_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_actor text := auth.user_id();
  v_tx bigint := txid_current();
BEGIN
  IF tg_op = 'INSERT' THEN
    INSERT INTO audit.audit_log (tx_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
    SELECT v_tx, v_actor, session_user, 'insert', tg_table_name, (n.j ->> 'id')::bigint,
           (CASE WHEN tg_table_name = 'todo_reviews' THEN n.j ->> 'todo_id' ELSE n.j ->> 'id' END)::bigint,
           NULL, n.j
    FROM (SELECT to_jsonb(r) AS j FROM new_rows r) n;
  ELSIF tg_op = 'UPDATE' THEN
    INSERT INTO audit.audit_log (tx_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
    SELECT v_tx, v_actor, session_user, 'update', tg_table_name, (n.j ->> 'id')::bigint,
           (CASE WHEN tg_table_name = 'todo_reviews' THEN n.j ->> 'todo_id' ELSE n.j ->> 'id' END)::bigint,
           o.j, n.j
    FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o
    JOIN (SELECT to_jsonb(r) AS j FROM new_rows r) n ON n.j -> 'id' = o.j -> 'id';
  ELSE
    INSERT INTO audit.audit_log (tx_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
    SELECT v_tx, v_actor, session_user, 'delete', tg_table_name, (o.j ->> 'id')::bigint,
           (CASE WHEN tg_table_name = 'todo_reviews' THEN o.j ->> 'todo_id' ELSE o.j ->> 'id' END)::bigint,
           o.j, NULL
    FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit.log_changes() FROM PUBLIC;
--> statement-breakpoint
CREATE TRIGGER todos_audit_insert AFTER INSERT ON public.todos REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todos_audit_update AFTER UPDATE ON public.todos REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todos_audit_delete AFTER DELETE ON public.todos REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todo_reviews_audit_insert AFTER INSERT ON public.todo_reviews REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todo_reviews_audit_update AFTER UPDATE ON public.todo_reviews REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
CREATE TRIGGER todo_reviews_audit_delete AFTER DELETE ON public.todo_reviews REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_changes();
--> statement-breakpoint
-- Reading is the only privilege the app's roles hold here; RLS shows rows to admins alone.
GRANT USAGE ON SCHEMA audit TO authenticated_backend, moderator_backend, admin_backend;
--> statement-breakpoint
GRANT SELECT ON audit.audit_log TO authenticated_backend, moderator_backend, admin_backend;
