import { eq, sql } from "drizzle-orm";
import { localSessions } from "./schema";
import type { ScopedTx } from "./scoped.server";

/**
 * The local identity provider's session records. Each runs inside the
 * caller's own scoped transaction, so the policies let it touch only the
 * session of the token that is asking.
 */

export async function startSession(
  tx: ScopedTx,
  input: { id: string; expiresAt: Date },
): Promise<void> {
  await tx.insert(localSessions).values({ id: input.id, expiresAt: input.expiresAt });
}

/** Ends the caller's session; true when a live one was ended. */
export async function endSession(tx: ScopedTx, id: string): Promise<boolean> {
  const ended = await tx
    .update(localSessions)
    .set({ endedAt: sql`now()` })
    .where(eq(localSessions.id, id))
    .returning({ id: localSessions.id });
  return ended.length > 0;
}
