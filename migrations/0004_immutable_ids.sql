-- Custom migration: ids never change. The audit triggers pair a row's before
-- and after images by id, so an id change would slip past the log.
CREATE FUNCTION audit.forbid_id_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'the id of a % row cannot change', tg_table_name USING ERRCODE = 'integrity_constraint_violation';
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit.forbid_id_change() FROM PUBLIC;
--> statement-breakpoint
CREATE TRIGGER todos_immutable_id BEFORE UPDATE OF id ON public.todos FOR EACH ROW WHEN (new.id IS DISTINCT FROM old.id) EXECUTE FUNCTION audit.forbid_id_change();
--> statement-breakpoint
CREATE TRIGGER todo_reviews_immutable_id BEFORE UPDATE OF id ON public.todo_reviews FOR EACH ROW WHEN (new.id IS DISTINCT FROM old.id) EXECUTE FUNCTION audit.forbid_id_change();
