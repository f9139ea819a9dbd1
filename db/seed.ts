import { fileURLToPath } from "node:url";
import { PERSONAL_TENANT_PREFIX } from "../roles/roles";
import { DEMO_IDENTITIES } from "./demo-identities";
import { applyDirectoryChanges, closeDirectoryPool } from "./directory/apply.server";
import { demoDirectoryChanges } from "./directory/demo";
import { createPool } from "./driver";
import { withSetupDatabase } from "./env";

/**
 * Demo data for the embedded default. The directory goes in the way Clerk's
 * webhook puts it, through the directory's writer; the todos with the owner
 * connection (seeding is setup, not a request): each identity's todos in
 * each of its organizations and its personal workspace. Idempotent: an
 * identity that has any todo in a tenant is left alone there.
 */
export async function seedDemoData(log: (line: string) => void = () => {}) {
  await applyDirectoryChanges(demoDirectoryChanges());
  await closeDirectoryPool();
  const owner = createPool(process.env.DATABASE_URL!, { max: 1 });
  try {
    for (const identity of DEMO_IDENTITIES) {
      for (const [where, tasks] of Object.entries(identity.todos)) {
        const tenant = where === "personal" ? `${PERSONAL_TENANT_PREFIX}${identity.userId}` : where;
        const { rowCount } = await owner.query(
          `insert into todos (tenant_id, user_id, task)
           select $1, $2, task from unnest($3::text[]) with ordinality as t(task, n)
           where not exists (select 1 from todos where tenant_id = $1 and user_id = $2)
           order by n`,
          [tenant, identity.userId, tasks],
        );
        if (rowCount) log(`seeded ${rowCount} todos for ${identity.userId} in ${tenant}`);
      }
    }
  } finally {
    await owner.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await withSetupDatabase(() => seedDemoData(console.log));
}
