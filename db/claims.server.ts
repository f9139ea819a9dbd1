import { sql, type SQL } from "drizzle-orm";
import { joinPerson, personName, type PersonRef } from "./directory/people.server";
import { COUNT_CAP } from "./limits";
import type { ScopedTx } from "./scoped.server";
import { isoTime, sqlStateOf } from "./sql";

/**
 * Claims on queue items (decision 020). Nothing here decides who may claim
 * what: the policies of `todo_claims` let moderators and admins of the
 * organization claim others' todos, renew their own claims and take over
 * lapsed ones, and refuse everything else.
 */

export interface LiveClaim {
  todoId: number;
  by: PersonRef;
  /** ISO 8601, UTC. */
  expiresAt: string;
  mine: boolean;
}

export type ClaimOutcome =
  | { status: "claimed"; expiresAt: string }
  | { status: "taken"; by: PersonRef }
  | { status: "missing" }
  | { status: "own-todo" };

export type ReleaseOutcome = { status: "released" } | { status: "not-held" };

type RawHolder = {
  claimant_id: string;
  claimant_name: string | null;
  expires_at: string;
  mine: boolean;
};

const HOLDER_COLUMNS = sql`c.claimant_id, ${personName("claimant_user")} as claimant_name, ${isoTime(sql`c.expires_at`)} as expires_at,
  c.claimant_id = (select auth.user_id()) as mine`;

/** The live claim on the todo, with its holder's name: who a refused claim or verdict names. */
export const liveClaimOn = (todoId: number): SQL => sql`
  select ${HOLDER_COLUMNS}
  from todo_claims c
  ${joinPerson("claimant_user", sql`c.claimant_id`)}
  where c.todo_id = ${todoId} and c.expires_at > now()`;

export const holderOf = (row: Pick<RawHolder, "claimant_id" | "claimant_name">): PersonRef => ({
  id: row.claimant_id,
  name: row.claimant_name,
});

/**
 * Claims the todo for `minutes`, or renews the caller's own claim. Two
 * statements in one transaction: the upsert, which leaves a live claim of
 * someone else's alone (and waits for a concurrent claimant to commit), then
 * a read of the claim as it now stands, which in READ COMMITTED sees that
 * claimant's row. A todo the caller cannot see inserts nothing and has no
 * claim: missing.
 */
export async function claimTodo(
  tx: ScopedTx,
  input: { todoId: number; minutes: number },
): Promise<ClaimOutcome> {
  try {
    const [claimed, holder] = await Promise.all([
      tx.execute<{ expires_at: string }>(sql`
        insert into todo_claims (todo_id, expires_at)
        select t.id, now() + make_interval(mins => ${input.minutes}::int) from todos t where t.id = ${input.todoId}
        on conflict (todo_id) do update
          set claimant_id = excluded.claimant_id, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
          where todo_claims.claimant_id = excluded.claimant_id or todo_claims.expires_at <= now()
        returning ${isoTime(sql`expires_at`)} as expires_at`),
      tx.execute<RawHolder>(liveClaimOn(input.todoId)),
    ]);
    if (claimed.rows[0]) return { status: "claimed", expiresAt: claimed.rows[0].expires_at };
    const other = holder.rows[0];
    return other ? { status: "taken", by: holderOf(other) } : { status: "missing" };
  } catch (error) {
    if (sqlStateOf(error) === "42501") return { status: "own-todo" };
    throw error;
  }
}

/** Ends the caller's own claim; anyone else's is not theirs to release (the policy shows them none). */
export async function releaseClaim(tx: ScopedTx, todoId: number): Promise<ReleaseOutcome> {
  const { rows } = await tx.execute(
    sql`delete from todo_claims where todo_id = ${todoId} and claimant_id = (select auth.user_id()) returning id`,
  );
  return rows.length > 0 ? { status: "released" } : { status: "not-held" };
}

/** Every live claim in the organization, newest first (claims lapse within a day, so few are live). */
export async function liveClaims(tx: ScopedTx): Promise<LiveClaim[]> {
  const { rows } = await tx.execute<RawHolder & { todo_id: string }>(sql`
    select c.todo_id, ${HOLDER_COLUMNS}
    from todo_claims c
    ${joinPerson("claimant_user", sql`c.claimant_id`)}
    where c.expires_at > now()
    order by c.claimed_at desc, c.id desc
    limit ${COUNT_CAP}`);
  return rows.map((row) => ({
    todoId: Number(row.todo_id),
    by: holderOf(row),
    expiresAt: row.expires_at,
    mine: row.mine,
  }));
}
