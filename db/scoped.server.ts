import type { PoolClient } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import type { Identity } from "../roles/identity";
import { BatchingClient } from "./batching-client";
import { runPipeline, type Statement } from "./pipeline";
import { isDatabaseUnavailable } from "./availability";
import { rolePool } from "./pools.server";

/** The database a scoped callback gets: drizzle over one connection, its queries batched into pipelines. */
export type ScopedTx = NeonDatabase<Record<string, never>>;

interface ScopeOptions {
  /** The local identity provider's session: checked by the first statement, which stops the rest when it has ended. */
  sessionId?: string | null;
  /**
   * Running it twice is the same as running it once: true of every read. A
   * one-message scope that lost its connection after its message went out
   * may have committed, so only an idempotent one is tried again then.
   */
  idempotent?: boolean;
}

/** SQLSTATE raised by warden.enter when the local session has ended or expired. */
export const SESSION_ENDED = "WD401";

const entry = (identity: Identity, options: ScopeOptions): Statement => ({
  text: "select warden.enter($1, $2)",
  values: [JSON.stringify(identity.claims), options.sessionId ?? null],
});

/**
 * The only way request code reaches the database. It takes an identity the
 * web edge has already verified (a rejected token never gets this far) and,
 * on one connection of the pool of the role the identity maps to, runs the
 * callback with the claims set by `warden.enter` with is_local = true, so
 * they end with the transaction and cannot reach the next borrower of the
 * connection. Row-Level Security decides what the callback sees.
 *
 * `withIdentity` is a transaction: BEGIN and the claims travel with the
 * callback's first batch of queries, then one round trip per further batch,
 * then COMMIT. Use it for anything that reads, decides, then writes.
 */
export function withIdentity<T>(
  identity: Identity,
  run: (tx: ScopedTx) => Promise<T>,
  options: ScopeOptions = {},
): Promise<T> {
  return scope(identity, run, options, false);
}

/**
 * One round trip: the claims and every query the callback starts at once
 * (`Promise.all`, or a single statement) in one pipeline, one implicit
 * transaction that commits at its Sync, or rolls back entirely on an error.
 * For every read and for any write that is one statement or several
 * independent ones. A callback that waits for one answer before asking the
 * next question needs `withIdentity`.
 */
export function withIdentityAtOnce<T>(
  identity: Identity,
  run: (tx: ScopedTx) => Promise<T>,
  options: ScopeOptions = {},
): Promise<T> {
  return scope(identity, run, options, true);
}

/**
 * How long a request may wait for the database before it gives up (503):
 * long enough for a Neon compute that scaled to zero to start again.
 */
const waitMs = () => Number(process.env.WARDEN_DB_WAIT_MS ?? 10_000);

/**
 * Runs the scope, again on a fresh connection while the database is not
 * answering, until `waitMs` has passed, as long as nothing can have been
 * committed: a transaction that lost its connection before COMMIT was sent
 * is rolled back by the server, and a one-message scope commits nothing until
 * its message has gone out. After that (COMMIT on the wire, or the message of
 * a scope that is not idempotent) it may have committed, so it is not retried
 * and the caller answers it as unavailable.
 */
async function scope<T>(
  identity: Identity,
  run: (tx: ScopedTx) => Promise<T>,
  options: ScopeOptions,
  oneMessage: boolean,
): Promise<T> {
  const deadline = Date.now() + waitMs();
  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptScope(identity, run, options, oneMessage);
    if (outcome.ok) return outcome.value;
    const pause = Math.min(100 * 2 ** attempt, 1_000);
    if (!outcome.retryable || Date.now() + pause > deadline) throw outcome.error;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown; retryable: boolean };

async function attemptScope<T>(
  identity: Identity,
  run: (tx: ScopedTx) => Promise<T>,
  options: ScopeOptions,
  oneMessage: boolean,
): Promise<Attempt<T>> {
  let client: PoolClient;
  try {
    client = await rolePool(identity.backendRole).pool.connect();
  } catch (error) {
    return { ok: false, error, retryable: isDatabaseUnavailable(error) };
  }
  const opening = oneMessage
    ? [entry(identity, options)]
    : [{ text: "begin" }, entry(identity, options)];
  const batching = new BatchingClient(client, opening, oneMessage);
  let broken: Error | undefined;
  let committing = false;
  const mayHaveCommitted = () =>
    oneMessage ? batching.started && !options.idempotent : committing;
  try {
    // drizzle only ever calls query(config, values) on its client, which the batching client answers.
    const value = await run(drizzle(batching as unknown as PoolClient));
    await batching.open();
    committing = !oneMessage;
    if (committing) await runPipeline(client, [{ text: "commit" }]);
    return { ok: true, value };
  } catch (error) {
    // ROLLBACK ends an explicit transaction and, either way, tells whether the connection survived.
    if (batching.started)
      await runPipeline(client, [{ text: "rollback" }]).catch(
        (rollbackError: Error) => (broken = rollbackError),
      );
    return { ok: false, error, retryable: !mayHaveCommitted() && isDatabaseUnavailable(error) };
  } finally {
    batching.close();
    client.release(broken);
  }
}
