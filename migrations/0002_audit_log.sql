CREATE SCHEMA "audit";
--> statement-breakpoint
CREATE TYPE "audit"."audit_action" AS ENUM('insert', 'update', 'delete');--> statement-breakpoint
CREATE TABLE "audit"."audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit"."audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"tx_id" bigint NOT NULL,
	"actor" text,
	"db_role" text NOT NULL,
	"action" "audit"."audit_action" NOT NULL,
	"table_name" text NOT NULL,
	"row_id" bigint NOT NULL,
	"todo_id" bigint,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
ALTER TABLE "audit"."audit_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "audit_log_occurred_at_id_idx" ON "audit"."audit_log" USING btree ("occurred_at","id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit"."audit_log" USING btree ("actor","id");--> statement-breakpoint
CREATE INDEX "audit_log_todo_id_idx" ON "audit"."audit_log" USING btree ("todo_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_tx_id_idx" ON "audit"."audit_log" USING btree ("tx_id");--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-moderator_backend-policy-select" ON "audit"."audit_log" AS PERMISSIVE FOR SELECT TO "authenticated_backend", "moderator_backend" USING (false);--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-moderator_backend-policy-insert" ON "audit"."audit_log" AS PERMISSIVE FOR INSERT TO "authenticated_backend", "moderator_backend" WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-moderator_backend-policy-update" ON "audit"."audit_log" AS PERMISSIVE FOR UPDATE TO "authenticated_backend", "moderator_backend" USING (false) WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-authenticated_backend-moderator_backend-policy-delete" ON "audit"."audit_log" AS PERMISSIVE FOR DELETE TO "authenticated_backend", "moderator_backend" USING (false);--> statement-breakpoint
CREATE POLICY "crud-admin_backend-policy-select" ON "audit"."audit_log" AS PERMISSIVE FOR SELECT TO "admin_backend" USING (true);--> statement-breakpoint
CREATE POLICY "crud-admin_backend-policy-insert" ON "audit"."audit_log" AS PERMISSIVE FOR INSERT TO "admin_backend" WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-admin_backend-policy-update" ON "audit"."audit_log" AS PERMISSIVE FOR UPDATE TO "admin_backend" USING (false) WITH CHECK (false);--> statement-breakpoint
CREATE POLICY "crud-admin_backend-policy-delete" ON "audit"."audit_log" AS PERMISSIVE FOR DELETE TO "admin_backend" USING (false);