import type { Pool } from "@neondatabase/serverless";

/** The name every injected fault's trigger, function and sequence shares (db/testing/faults.ts). */
export const FAULT_PREFIX = "warden_fault_";

export async function dropFaultObjects(owner: Pool, name: string) {
  await owner.query(`drop trigger if exists ${name} on public.todos`);
  await owner.query(`drop function if exists public.${name}()`);
  await owner.query(`drop sequence if exists public.${name}`);
}

/**
 * Every injected fault in the database. A run killed mid-test leaves its
 * faults behind, where they would fire on later runs and sit in the policy
 * snapshot; the test setup calls this before anything runs.
 */
export async function dropFaultsLeftBehind(owner: Pool) {
  const { rows } = await owner.query<{ name: string }>(
    "select relname as name from pg_class where relkind = 'S' and starts_with(relname, $1)",
    [FAULT_PREFIX],
  );
  for (const { name } of rows) await dropFaultObjects(owner, name);
}
