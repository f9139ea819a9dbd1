import { sql, type SQL } from "drizzle-orm";
import type { ScopedTx } from "../scoped.server";

/**
 * People as the caller may see them. There is no WHERE on the organization:
 * the directory's policies show a request role itself and the live members
 * of its active organization, nobody else. Nothing here selects `email`:
 * members are not granted that column, and a query naming it would fail.
 */

export type Member = {
  id: string;
  name: string;
  /** The Clerk role in the active organization (`org:admin`, …). */
  role: string | null;
};

/** Someone a page names: `name` is null for a former member (see `joinPerson`). */
export interface PersonRef {
  id: string;
  name: string | null;
}

/**
 * Joins the person `column` names as `alias`. Whoever RLS hides (deleted,
 * gone from the organization, never in it) comes back as NULL columns:
 * exactly the people to show as former members.
 */
export const joinPerson = (alias: string, column: SQL): SQL =>
  sql`left join directory.users ${sql.raw(alias)} on ${sql.raw(alias)}.id = ${column}`;

/** The joined person's name: null for a former member, the id for someone Clerk knows no name for. */
export const personName = (alias: string): SQL =>
  sql.raw(`coalesce(${alias}.display_name, ${alias}.id)`);

/** Members are people with a live user row: a deleted person's membership alone makes nobody a member. */
const MEMBERS = sql`select m.user_id as id, ${personName("u")} as name, m.role
  from directory.memberships m
  join directory.users u on u.id = m.user_id`;

/** The live members of the caller's active organization, by name. */
export async function listMembers(tx: ScopedTx): Promise<Member[]> {
  const { rows } = await tx.execute<Member>(
    sql`${MEMBERS} order by lower(${personName("u")}), m.user_id`,
  );
  return rows;
}

/** A scalar subquery: the member's name, or null when they are not a live member of the active organization. */
export const memberName = (userId: string): SQL =>
  sql`(select name from (${MEMBERS} where m.user_id = ${userId}) member)`;

/** The member with that id, or null when they are not a live member of the active organization. */
export async function findMember(tx: ScopedTx, userId: string): Promise<Member | null> {
  const { rows } = await tx.execute<Member>(sql`${MEMBERS} where m.user_id = ${userId}`);
  return rows[0] ?? null;
}
