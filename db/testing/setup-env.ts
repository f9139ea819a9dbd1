import { inject } from "vitest";

// Test files reach the database the app's way: through the environment.
for (const name of ["CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"]) delete process.env[name];
Object.assign(process.env, inject("databaseEnv"));
