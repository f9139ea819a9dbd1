-- Who may touch the directory. The request roles read it (RLS decides which
-- rows); members get no email column. The directory's writer gets the
-- directory tables and nothing else: no grant anywhere else, so todos,
-- reviews, sessions and the audit log are refused to it.
GRANT USAGE ON SCHEMA directory TO authenticated_backend, moderator_backend, admin_backend, directory_backend;
--> statement-breakpoint
GRANT SELECT ON directory.organizations, directory.memberships TO authenticated_backend, moderator_backend, admin_backend;
--> statement-breakpoint
GRANT SELECT (id, display_name, image_url, updated_at, deleted_at) ON directory.users TO authenticated_backend;
--> statement-breakpoint
GRANT SELECT ON directory.users TO moderator_backend, admin_backend;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON directory.users, directory.organizations, directory.memberships, directory.webhook_messages TO directory_backend;
--> statement-breakpoint
-- A todo of an organization may be given only to a live member of it. The
-- check runs as the owner, so it sees the directory whatever the caller may
-- read. It fires for every request role, whatever its claims say (a token
-- without a subject included), on every change of a todo's owner and on an
-- insert of a todo for someone other than the caller: people creating their
-- own todos never depend on the directory being in step, and setup work with
-- the owner connection is not a request.
CREATE FUNCTION directory.is_live_member(organization text, member text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
  AS $$
    select exists (select 1 from directory.memberships m where m.organization_id = organization and m.user_id = member and m.deleted_at is null)
       and not exists (select 1 from directory.users u where u.id = member and u.deleted_at is not null)
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION directory.is_live_member(text, text) FROM PUBLIC;
--> statement-breakpoint
CREATE FUNCTION directory.require_member_owner() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
  begin
    if starts_with(new.tenant_id, 'org_') and not directory.is_live_member(new.tenant_id, new.user_id) then
      raise exception '% is not a member of %', new.user_id, new.tenant_id
        using errcode = 'foreign_key_violation', constraint = 'todos_owner_is_member';
    end if;
    return new;
  end
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION directory.require_member_owner() FROM PUBLIC;
--> statement-breakpoint
CREATE TRIGGER todos_owner_is_member_on_update BEFORE UPDATE OF user_id ON public.todos
  FOR EACH ROW WHEN (current_user IN ('authenticated_backend', 'moderator_backend', 'admin_backend') AND new.user_id IS DISTINCT FROM old.user_id) EXECUTE FUNCTION directory.require_member_owner();
--> statement-breakpoint
CREATE TRIGGER todos_owner_is_member_on_insert BEFORE INSERT ON public.todos
  FOR EACH ROW WHEN (current_user IN ('authenticated_backend', 'moderator_backend', 'admin_backend') AND new.user_id IS DISTINCT FROM auth.user_id()) EXECUTE FUNCTION directory.require_member_owner();
