import type { Pool } from "@neondatabase/serverless";
import { expect } from "vitest";
import type { BulkAction } from "../limits";
import { auditCountSince } from "./owner-checks";

/**
 * After a bulk action that went through: every target row is in the action's
 * state (or gone), with one audit entry each since `auditSince`.
 */
export async function expectBulkDone(
  owner: Pool,
  done: { action: BulkAction; ids: number[]; to: string },
  auditSince: number,
) {
  const { rows } = await owner.query<{ user_id: string; is_complete: boolean }>(
    "select user_id, is_complete from todos where id = any($1::bigint[])",
    [done.ids],
  );
  const inState = {
    complete: (row: { is_complete: boolean }) => row.is_complete,
    reopen: (row: { is_complete: boolean }) => !row.is_complete,
    reassign: (row: { user_id: string }) => row.user_id === done.to,
    delete: () => false,
  }[done.action];
  expect(rows).toHaveLength(done.action === "delete" ? 0 : done.ids.length);
  expect(rows.every(inState)).toBe(true);
  expect(await auditCountSince(owner, auditSince, done.ids)).toBe(done.ids.length);
}
