CREATE SCHEMA "directory";
--> statement-breakpoint
CREATE TABLE "directory"."memberships" (
	"organization_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "memberships_organization_id_user_id_pk" PRIMARY KEY("organization_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "directory"."memberships" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "directory"."organizations" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"slug" text,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "directory"."organizations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "directory"."users" (
	"id" text PRIMARY KEY NOT NULL,
	"display_name" text,
	"email" text,
	"image_url" text,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "directory"."users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "directory"."webhook_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "directory"."webhook_messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "memberships_user_id_idx" ON "directory"."memberships" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "webhook_messages_received_at_idx" ON "directory"."webhook_messages" USING btree ("received_at");--> statement-breakpoint
CREATE POLICY "memberships_read_active_org" ON "directory"."memberships" AS PERMISSIVE FOR SELECT TO "admin_backend", "authenticated_backend", "moderator_backend" USING ("directory"."memberships"."deleted_at" is null and "directory"."memberships"."organization_id" = (select warden.active_org_id()));--> statement-breakpoint
CREATE POLICY "memberships_directory_writer" ON "directory"."memberships" AS PERMISSIVE FOR ALL TO "directory_backend" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "organizations_read_active" ON "directory"."organizations" AS PERMISSIVE FOR SELECT TO "admin_backend", "authenticated_backend", "moderator_backend" USING ("directory"."organizations"."deleted_at" is null and "directory"."organizations"."id" = (select warden.active_org_id()));--> statement-breakpoint
CREATE POLICY "organizations_directory_writer" ON "directory"."organizations" AS PERMISSIVE FOR ALL TO "directory_backend" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "users_read_self_and_active_org" ON "directory"."users" AS PERMISSIVE FOR SELECT TO "admin_backend", "authenticated_backend", "moderator_backend" USING ("directory"."users"."deleted_at" is null and ("directory"."users"."id" = (select auth.user_id()) or exists (select 1 from "directory"."memberships" m where m.organization_id = (select warden.active_org_id()) and m.user_id = "directory"."users"."id" and m.deleted_at is null)));--> statement-breakpoint
CREATE POLICY "users_directory_writer" ON "directory"."users" AS PERMISSIVE FOR ALL TO "directory_backend" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "webhook_messages_directory_writer" ON "directory"."webhook_messages" AS PERMISSIVE FOR ALL TO "directory_backend" USING (true) WITH CHECK (true);