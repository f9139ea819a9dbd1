import { defineConfig } from "drizzle-kit";

// Only `generate` is used: it needs no database. Migrations are applied by
// `npm run db:migrate`, never by `drizzle-kit push` (see docs/decisions).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./migrations",
  entities: { roles: false },
});
