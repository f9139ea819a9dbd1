ALTER TABLE "todo_reviews" DROP CONSTRAINT "todo_reviews_todo_id_todos_id_fk";
--> statement-breakpoint
DROP INDEX "audit"."audit_log_occurred_at_id_idx";--> statement-breakpoint
DROP INDEX "audit"."audit_log_actor_idx";--> statement-breakpoint
DROP INDEX "audit"."audit_log_todo_id_idx";--> statement-breakpoint
DROP INDEX "todo_reviews_todo_id_created_at_idx";--> statement-breakpoint
DROP INDEX "todos_user_id_idx";--> statement-breakpoint
DROP INDEX "todos_inserted_at_id_idx";--> statement-breakpoint
-- Hand-written from here to the foreign key: drizzle would add the tenant
-- columns NOT NULL with a default that is NULL outside a request, which fails
-- on a table with rows. Existing rows are backfilled instead: every todo goes
-- to its owner's personal workspace (where the owner still reaches it, and no
-- organization sees it), every review to its todo's tenant, every audit entry
-- to the tenant of the row it records. The backfill is not audited: it moves
-- no row between people.
ALTER TABLE "todos" DISABLE TRIGGER "todos_audit_update";--> statement-breakpoint
ALTER TABLE "todo_reviews" DISABLE TRIGGER "todo_reviews_audit_update";--> statement-breakpoint
ALTER TABLE "todos" ADD COLUMN "tenant_id" text;--> statement-breakpoint
UPDATE "todos" SET "tenant_id" = 'personal:' || "user_id";--> statement-breakpoint
ALTER TABLE "todos" ALTER COLUMN "tenant_id" SET DEFAULT (warden.tenant_id());--> statement-breakpoint
ALTER TABLE "todos" ALTER COLUMN "tenant_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "todo_reviews" ADD COLUMN "tenant_id" text;--> statement-breakpoint
UPDATE "todo_reviews" AS r SET "tenant_id" = t."tenant_id" FROM "todos" AS t WHERE t."id" = r."todo_id";--> statement-breakpoint
ALTER TABLE "todo_reviews" ALTER COLUMN "tenant_id" SET DEFAULT (warden.tenant_id());--> statement-breakpoint
ALTER TABLE "todo_reviews" ALTER COLUMN "tenant_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "todos" ENABLE TRIGGER "todos_audit_update";--> statement-breakpoint
ALTER TABLE "todo_reviews" ENABLE TRIGGER "todo_reviews_audit_update";--> statement-breakpoint
ALTER TABLE "audit"."audit_log" ADD COLUMN "tenant_id" text;--> statement-breakpoint
-- A todo entry names its owner; a review entry's todo is found in the table or, once deleted, in the log.
UPDATE "audit"."audit_log" AS a SET "tenant_id" = 'personal:' || coalesce(a."after" ->> 'user_id', a."before" ->> 'user_id') WHERE a."table_name" = 'todos';--> statement-breakpoint
UPDATE "audit"."audit_log" AS a SET "tenant_id" = coalesce(
  (SELECT t."tenant_id" FROM "todos" AS t WHERE t."id" = a."todo_id"),
  (SELECT o."tenant_id" FROM "audit"."audit_log" AS o WHERE o."table_name" = 'todos' AND o."row_id" = a."todo_id" ORDER BY o."id" DESC LIMIT 1)
) WHERE a."table_name" = 'todo_reviews';--> statement-breakpoint
ALTER TABLE "todos" ADD CONSTRAINT "todos_id_tenant_id_key" UNIQUE("id","tenant_id");--> statement-breakpoint
ALTER TABLE "todo_reviews" ADD CONSTRAINT "todo_reviews_todo_tenant_fk" FOREIGN KEY ("todo_id","tenant_id") REFERENCES "public"."todos"("id","tenant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Generated again from here.
CREATE INDEX "audit_log_tenant_id_idx" ON "audit"."audit_log" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_tenant_occurred_at_id_idx" ON "audit"."audit_log" USING btree ("tenant_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "audit_log_tenant_actor_idx" ON "audit"."audit_log" USING btree ("tenant_id","actor","id");--> statement-breakpoint
CREATE INDEX "audit_log_tenant_todo_id_idx" ON "audit"."audit_log" USING btree ("tenant_id","todo_id","id");--> statement-breakpoint
CREATE INDEX "todo_reviews_tenant_todo_created_at_idx" ON "todo_reviews" USING btree ("tenant_id","todo_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "todos_tenant_user_inserted_at_id_idx" ON "todos" USING btree ("tenant_id","user_id","inserted_at","id");--> statement-breakpoint
CREATE INDEX "todos_tenant_inserted_at_id_idx" ON "todos" USING btree ("tenant_id","inserted_at","id");--> statement-breakpoint
ALTER POLICY "crud-admin_backend-policy-select" ON "audit"."audit_log" TO admin_backend USING ("audit"."audit_log"."tenant_id" = (select warden.active_org_id()));--> statement-breakpoint
ALTER POLICY "crud-authenticated_backend-policy-select" ON "todo_reviews" TO authenticated_backend USING ("todo_reviews"."tenant_id" = (select warden.tenant_id()) and exists (select 1 from "todos" where "todos"."id" = "todo_reviews"."todo_id"));--> statement-breakpoint
ALTER POLICY "crud-moderator_backend-policy-select" ON "todo_reviews" TO moderator_backend USING ("todo_reviews"."tenant_id" = (select warden.active_org_id()));--> statement-breakpoint
ALTER POLICY "crud-moderator_backend-policy-insert" ON "todo_reviews" TO moderator_backend WITH CHECK ("todo_reviews"."tenant_id" = (select warden.active_org_id()) and "todo_reviews"."reviewer_id" = (select auth.user_id()) and not exists (select 1 from "todos" where "todos"."id" = "todo_reviews"."todo_id" and ("todos"."user_id" = "todo_reviews"."reviewer_id" or "todos"."user_id" = (select auth.user_id()))));--> statement-breakpoint
ALTER POLICY "crud-moderator_backend-policy-update" ON "todo_reviews" TO moderator_backend USING ("todo_reviews"."tenant_id" = (select warden.active_org_id()) and "todo_reviews"."reviewer_id" = (select auth.user_id()) and not exists (select 1 from "todos" where "todos"."id" = "todo_reviews"."todo_id" and ("todos"."user_id" = "todo_reviews"."reviewer_id" or "todos"."user_id" = (select auth.user_id())))) WITH CHECK ("todo_reviews"."tenant_id" = (select warden.active_org_id()) and "todo_reviews"."reviewer_id" = (select auth.user_id()) and not exists (select 1 from "todos" where "todos"."id" = "todo_reviews"."todo_id" and ("todos"."user_id" = "todo_reviews"."reviewer_id" or "todos"."user_id" = (select auth.user_id()))));--> statement-breakpoint
ALTER POLICY "crud-moderator_backend-policy-delete" ON "todo_reviews" TO moderator_backend USING ("todo_reviews"."tenant_id" = (select warden.active_org_id()) and "todo_reviews"."reviewer_id" = (select auth.user_id()) and not exists (select 1 from "todos" where "todos"."id" = "todo_reviews"."todo_id" and ("todos"."user_id" = "todo_reviews"."reviewer_id" or "todos"."user_id" = (select auth.user_id()))));--> statement-breakpoint
ALTER POLICY "crud-admin_backend-policy-select" ON "todo_reviews" TO admin_backend USING ("todo_reviews"."tenant_id" = (select warden.active_org_id()));--> statement-breakpoint
ALTER POLICY "crud-admin_backend-policy-insert" ON "todo_reviews" TO admin_backend WITH CHECK ("todo_reviews"."tenant_id" = (select warden.active_org_id()) and not exists (select 1 from "todos" where "todos"."id" = "todo_reviews"."todo_id" and ("todos"."user_id" = "todo_reviews"."reviewer_id" or "todos"."user_id" = (select auth.user_id()))));--> statement-breakpoint
ALTER POLICY "crud-admin_backend-policy-update" ON "todo_reviews" TO admin_backend USING ("todo_reviews"."tenant_id" = (select warden.active_org_id())) WITH CHECK ("todo_reviews"."tenant_id" = (select warden.active_org_id()) and not exists (select 1 from "todos" where "todos"."id" = "todo_reviews"."todo_id" and ("todos"."user_id" = "todo_reviews"."reviewer_id" or "todos"."user_id" = (select auth.user_id()))));--> statement-breakpoint
ALTER POLICY "crud-admin_backend-policy-delete" ON "todo_reviews" TO admin_backend USING ("todo_reviews"."tenant_id" = (select warden.active_org_id()));--> statement-breakpoint
ALTER POLICY "crud-authenticated_backend-policy-select" ON "todos" TO authenticated_backend USING ("todos"."tenant_id" = (select warden.tenant_id()) and "todos"."user_id" = (select auth.user_id()));--> statement-breakpoint
ALTER POLICY "crud-authenticated_backend-policy-insert" ON "todos" TO authenticated_backend WITH CHECK ("todos"."tenant_id" = (select warden.tenant_id()) and "todos"."user_id" = (select auth.user_id()));--> statement-breakpoint
ALTER POLICY "crud-authenticated_backend-policy-update" ON "todos" TO authenticated_backend USING ("todos"."tenant_id" = (select warden.tenant_id()) and "todos"."user_id" = (select auth.user_id())) WITH CHECK ("todos"."tenant_id" = (select warden.tenant_id()) and "todos"."user_id" = (select auth.user_id()));--> statement-breakpoint
ALTER POLICY "crud-authenticated_backend-policy-delete" ON "todos" TO authenticated_backend USING ("todos"."tenant_id" = (select warden.tenant_id()) and "todos"."user_id" = (select auth.user_id()));--> statement-breakpoint
ALTER POLICY "crud-moderator_backend-policy-select" ON "todos" TO moderator_backend USING ("todos"."tenant_id" = (select warden.active_org_id()));--> statement-breakpoint
ALTER POLICY "crud-moderator_backend-policy-insert" ON "todos" TO moderator_backend WITH CHECK ("todos"."tenant_id" = (select warden.active_org_id()) and "todos"."user_id" = (select auth.user_id()));--> statement-breakpoint
ALTER POLICY "crud-moderator_backend-policy-update" ON "todos" TO moderator_backend USING ("todos"."tenant_id" = (select warden.active_org_id()) and "todos"."user_id" = (select auth.user_id())) WITH CHECK ("todos"."tenant_id" = (select warden.active_org_id()) and "todos"."user_id" = (select auth.user_id()));--> statement-breakpoint
ALTER POLICY "crud-moderator_backend-policy-delete" ON "todos" TO moderator_backend USING ("todos"."tenant_id" = (select warden.active_org_id()) and "todos"."user_id" = (select auth.user_id()));--> statement-breakpoint
ALTER POLICY "crud-admin_backend-policy-select" ON "todos" TO admin_backend USING ("todos"."tenant_id" = (select warden.active_org_id()));--> statement-breakpoint
ALTER POLICY "crud-admin_backend-policy-insert" ON "todos" TO admin_backend WITH CHECK ("todos"."tenant_id" = (select warden.active_org_id()));--> statement-breakpoint
ALTER POLICY "crud-admin_backend-policy-update" ON "todos" TO admin_backend USING ("todos"."tenant_id" = (select warden.active_org_id())) WITH CHECK ("todos"."tenant_id" = (select warden.active_org_id()));--> statement-breakpoint
ALTER POLICY "crud-admin_backend-policy-delete" ON "todos" TO admin_backend USING ("todos"."tenant_id" = (select warden.active_org_id()));