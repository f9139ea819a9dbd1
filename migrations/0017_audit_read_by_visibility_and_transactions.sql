CREATE TABLE "audit"."transactions" (
	"tx_id" bigint NOT NULL,
	"tenant_id" text NOT NULL,
	"actor" text,
	"db_role" text NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"entries" bigint NOT NULL,
	"reverts_tx_id" bigint,
	CONSTRAINT "transactions_tx_id_tenant_id_pk" PRIMARY KEY("tx_id","tenant_id")
);
--> statement-breakpoint
ALTER TABLE "audit"."transactions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "transactions_tenant_actor_tx_idx" ON "audit"."transactions" USING btree ("tenant_id","actor","tx_id");--> statement-breakpoint
CREATE INDEX "transactions_tenant_reverts_tx_idx" ON "audit"."transactions" USING btree ("tenant_id","reverts_tx_id");--> statement-breakpoint
DROP POLICY "crud-authenticated_backend-moderator_backend-policy-select" ON "audit"."audit_log" CASCADE;--> statement-breakpoint
DROP POLICY "crud-authenticated_backend-moderator_backend-policy-insert" ON "audit"."audit_log" CASCADE;--> statement-breakpoint
DROP POLICY "crud-authenticated_backend-moderator_backend-policy-update" ON "audit"."audit_log" CASCADE;--> statement-breakpoint
DROP POLICY "crud-authenticated_backend-moderator_backend-policy-delete" ON "audit"."audit_log" CASCADE;--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-policy-select" ON "audit"."audit_log" AS PERMISSIVE FOR SELECT TO "authenticated_backend" USING ("audit"."audit_log"."tenant_id" = (select warden.tenant_id()) and ("audit"."audit_log"."todo_id" in (select "todos"."id" from "todos") or "audit"."audit_log"."actor" = (select auth.user_id())));--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-policy-insert" ON "audit"."audit_log" AS PERMISSIVE FOR INSERT TO "authenticated_backend" WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-policy-update" ON "audit"."audit_log" AS PERMISSIVE FOR UPDATE TO "authenticated_backend" USING (false) WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-policy-delete" ON "audit"."audit_log" AS PERMISSIVE FOR DELETE TO "authenticated_backend" USING (false);--> statement-breakpoint
CREATE POLICY "crud-moderator_backend-policy-select" ON "audit"."audit_log" AS PERMISSIVE FOR SELECT TO "moderator_backend" USING ("audit"."audit_log"."tenant_id" = (select warden.active_org_id()) and ("audit"."audit_log"."todo_id" in (select "todos"."id" from "todos") or "audit"."audit_log"."actor" = (select auth.user_id())));--> statement-breakpoint
CREATE POLICY "crud-moderator_backend-policy-insert" ON "audit"."audit_log" AS PERMISSIVE FOR INSERT TO "moderator_backend" WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-moderator_backend-policy-update" ON "audit"."audit_log" AS PERMISSIVE FOR UPDATE TO "moderator_backend" USING (false) WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-moderator_backend-policy-delete" ON "audit"."audit_log" AS PERMISSIVE FOR DELETE TO "moderator_backend" USING (false);--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-policy-select" ON "audit"."transactions" AS PERMISSIVE FOR SELECT TO "authenticated_backend" USING ("audit"."transactions"."tenant_id" = (select warden.tenant_id()) and "audit"."transactions"."actor" = (select auth.user_id()));--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-policy-insert" ON "audit"."transactions" AS PERMISSIVE FOR INSERT TO "authenticated_backend" WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-policy-update" ON "audit"."transactions" AS PERMISSIVE FOR UPDATE TO "authenticated_backend" USING (false) WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-policy-delete" ON "audit"."transactions" AS PERMISSIVE FOR DELETE TO "authenticated_backend" USING (false);--> statement-breakpoint
CREATE POLICY "crud-moderator_backend-policy-select" ON "audit"."transactions" AS PERMISSIVE FOR SELECT TO "moderator_backend" USING ("audit"."transactions"."tenant_id" = (select warden.active_org_id()) and "audit"."transactions"."actor" = (select auth.user_id()));--> statement-breakpoint
CREATE POLICY "crud-moderator_backend-policy-insert" ON "audit"."transactions" AS PERMISSIVE FOR INSERT TO "moderator_backend" WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-moderator_backend-policy-update" ON "audit"."transactions" AS PERMISSIVE FOR UPDATE TO "moderator_backend" USING (false) WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-moderator_backend-policy-delete" ON "audit"."transactions" AS PERMISSIVE FOR DELETE TO "moderator_backend" USING (false);--> statement-breakpoint
CREATE POLICY "crud-admin_backend-policy-select" ON "audit"."transactions" AS PERMISSIVE FOR SELECT TO "admin_backend" USING ("audit"."transactions"."tenant_id" = (select warden.active_org_id()));--> statement-breakpoint
CREATE POLICY "crud-admin_backend-policy-insert" ON "audit"."transactions" AS PERMISSIVE FOR INSERT TO "admin_backend" WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-admin_backend-policy-update" ON "audit"."transactions" AS PERMISSIVE FOR UPDATE TO "admin_backend" USING (false) WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-admin_backend-policy-delete" ON "audit"."transactions" AS PERMISSIVE FOR DELETE TO "admin_backend" USING (false);