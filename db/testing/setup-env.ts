import { inject } from "vitest";
import { envForDatabase } from "../local/clones";
import { workerDatabase } from "./worker-database";

// Test files reach the database the app's way: through the environment.
for (const name of ["CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"]) delete process.env[name];
const env = inject("databaseEnv");
Object.assign(process.env, envForDatabase(env, workerDatabase(env, process.env.VITEST_POOL_ID!)));
