import type { Pool } from "@neondatabase/serverless";

/** Checks made with the owner connection, behind RLS's back: the truth the tests compare against. */

/** Every column of the rows, folded into one value: "unchanged" means unchanged, not the same count. */
export async function todosDigest(owner: Pool, ids: number[]) {
  const { rows } = await owner.query(
    "select count(*)::int as n, md5(coalesce(string_agg(id || ':' || user_id || ':' || task || ':' || is_complete, ',' order by id), '')) as digest from todos where id = any($1::bigint[])",
    [ids],
  );
  return rows[0] as { n: number; digest: string };
}

/** The newest audit entry id now, so a test can ask what was written after it. */
export async function auditHighWater(owner: Pool): Promise<number> {
  const { rows } = await owner.query(
    "select coalesce(max(id), 0)::text as id from audit.audit_log",
  );
  return Number(rows[0].id);
}

export async function auditCountSince(
  owner: Pool,
  since: number,
  todoIds: number[],
): Promise<number> {
  const { rows } = await owner.query(
    "select count(*)::int as n from audit.audit_log where id > $1 and todo_id = any($2::bigint[])",
    [since, todoIds],
  );
  return rows[0].n;
}
