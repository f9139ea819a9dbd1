-- Custom migration (drizzle-kit generate --custom): what a member's list
-- costs under RLS. The member's policy compares tenant_id and user_id with
-- values the planner cannot see (initplans over the claims), so it
-- multiplies the two columns' generic selectivities and expects one row.
-- Planned for one row, a page joins its people without Memoize or
-- Materialize: one users lookup, and one memberships probe, per row, where
-- the same statement written with literals looks each person up once.
-- A person's todos mostly lie in one tenant; with that dependency known,
-- the estimate is a person's share of the table, and the plans agree.
CREATE STATISTICS IF NOT EXISTS "todos_tenant_user_dependencies" (dependencies) ON "tenant_id", "user_id" FROM "todos";
--> statement-breakpoint
ANALYZE "todos";
