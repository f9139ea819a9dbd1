-- Custom migration: the audit triggers record each entry's tenant (the
-- changed row's own, so an admin reads exactly their organization's history),
-- and a row's tenant never changes, for any role, the owner included.
CREATE OR REPLACE FUNCTION audit.log_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_actor text := auth.user_id();
  v_tx bigint := txid_current();
BEGIN
  IF tg_op = 'INSERT' THEN
    INSERT INTO audit.audit_log (tx_id, tenant_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
    SELECT v_tx, n.j ->> 'tenant_id', v_actor, session_user, 'insert', tg_table_name, (n.j ->> 'id')::bigint,
           (CASE WHEN tg_table_name = 'todo_reviews' THEN n.j ->> 'todo_id' ELSE n.j ->> 'id' END)::bigint,
           NULL, n.j
    FROM (SELECT to_jsonb(r) AS j FROM new_rows r) n;
  ELSIF tg_op = 'UPDATE' THEN
    INSERT INTO audit.audit_log (tx_id, tenant_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
    SELECT v_tx, n.j ->> 'tenant_id', v_actor, session_user, 'update', tg_table_name, (n.j ->> 'id')::bigint,
           (CASE WHEN tg_table_name = 'todo_reviews' THEN n.j ->> 'todo_id' ELSE n.j ->> 'id' END)::bigint,
           o.j, n.j
    FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o
    JOIN (SELECT to_jsonb(r) AS j FROM new_rows r) n ON n.j -> 'id' = o.j -> 'id';
  ELSE
    INSERT INTO audit.audit_log (tx_id, tenant_id, actor, db_role, action, table_name, row_id, todo_id, before, after)
    SELECT v_tx, o.j ->> 'tenant_id', v_actor, session_user, 'delete', tg_table_name, (o.j ->> 'id')::bigint,
           (CASE WHEN tg_table_name = 'todo_reviews' THEN o.j ->> 'todo_id' ELSE o.j ->> 'id' END)::bigint,
           o.j, NULL
    FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION audit.forbid_tenant_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'the tenant of a % row cannot change', tg_table_name USING ERRCODE = 'integrity_constraint_violation';
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit.forbid_tenant_change() FROM PUBLIC;
--> statement-breakpoint
CREATE TRIGGER todos_immutable_tenant BEFORE UPDATE OF tenant_id ON public.todos FOR EACH ROW WHEN (new.tenant_id IS DISTINCT FROM old.tenant_id) EXECUTE FUNCTION audit.forbid_tenant_change();
--> statement-breakpoint
CREATE TRIGGER todo_reviews_immutable_tenant BEFORE UPDATE OF tenant_id ON public.todo_reviews FOR EACH ROW WHEN (new.tenant_id IS DISTINCT FROM old.tenant_id) EXECUTE FUNCTION audit.forbid_tenant_change();
