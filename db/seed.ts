import { fileURLToPath } from "node:url";
import { DEMO_IDENTITIES } from "./demo-identities";
import { createPool } from "./driver";
import { withSetupDatabase } from "./env";

/**
 * Demo data for the embedded default, with the owner connection (seeding is
 * setup, not a request). Idempotent: an identity that has any todo is left alone.
 */
export async function seedDemoData(log: (line: string) => void = () => {}) {
  const owner = createPool(process.env.DATABASE_URL!, { max: 1 });
  try {
    for (const identity of DEMO_IDENTITIES) {
      const { rowCount } = await owner.query(
        `insert into todos (user_id, task)
         select $1, task from unnest($2::text[]) with ordinality as t(task, n)
         where not exists (select 1 from todos where user_id = $1)
         order by n`,
        [identity.userId, identity.todos],
      );
      if (rowCount) log(`seeded ${rowCount} todos for ${identity.userId}`);
    }
  } finally {
    await owner.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await withSetupDatabase(() => seedDemoData(console.log));
}
