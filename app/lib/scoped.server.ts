import { isDatabaseUnavailable } from "../../db/availability";
import { sqlStateOf } from "../../db/sql";
import {
  withIdentityAtOnce,
  SESSION_ENDED,
  withIdentity,
  type ScopedTx,
} from "../../db/scoped.server";
import { sessionIdOf, type Identity } from "../../roles/identity";
import { authMode } from "../config.server";
import { jsonResponse } from "./responses.server";

const unavailable = () =>
  jsonResponse(
    {
      message: "The database is not answering right now. Your data is safe; try again in a moment.",
    },
    { status: 503 },
  );

/** The SQLSTATE of a Postgres error, bare or wrapped by drizzle; undefined for anything else. */
function sqlState(error: unknown): string | undefined {
  const code = sqlStateOf(error);
  return code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const sessionRejected = () =>
  jsonResponse(
    { message: "Your session is no longer valid. Please sign in again." },
    { status: 401 },
  );

/**
 * `withIdentity` for routes: one transaction as the verified identity. With
 * the local identity provider its first statement also asks whether the
 * token's server-side session still lives (`session: "any"` skips that, for
 * starting and ending sessions): an ended one stops the transaction before
 * anything else runs and answers 401. An unreachable database becomes a 503
 * thrown for the error boundary; any other database error is logged and
 * answered with a generic 500, so no SQL or Postgres error text ever reaches
 * a user. The app's own errors pass through.
 */
export function scoped<T>(
  identity: Identity,
  run: (tx: ScopedTx) => Promise<T>,
  options: { session?: "live" | "any" } = {},
): Promise<T> {
  return guarded(identity, options, (sessionId) => withIdentity(identity, run, { sessionId }));
}

/** `scoped` in one round trip: the session check and every query the callback starts at once (see `withIdentityAtOnce`). */
export function scopedAtOnce<T>(
  identity: Identity,
  run: (tx: ScopedTx) => Promise<T>,
  options: { session?: "live" | "any" } = {},
): Promise<T> {
  return guarded(identity, options, (sessionId) =>
    withIdentityAtOnce(identity, run, { sessionId }),
  );
}

/** `scopedAtOnce` for loaders: reads only, so a database that stopped answering mid-request is simply asked again. */
export function scopedRead<T>(identity: Identity, run: (tx: ScopedTx) => Promise<T>): Promise<T> {
  return guarded(identity, {}, (sessionId) =>
    withIdentityAtOnce(identity, run, { sessionId, idempotent: true }),
  );
}

async function guarded<T>(
  identity: Identity,
  options: { session?: "live" | "any" },
  work: (sessionId: string | null) => Promise<T>,
): Promise<T> {
  const checkSession = options.session !== "any" && authMode() === "local";
  const sessionId = checkSession ? sessionIdOf(identity) : null;
  if (checkSession && !sessionId) throw sessionRejected();
  try {
    return await work(sessionId);
  } catch (error) {
    if (sqlState(error) === SESSION_ENDED) throw sessionRejected();
    if (isDatabaseUnavailable(error)) throw unavailable();
    if (!sqlState(error)) throw error;
    console.error(error);
    throw jsonResponse(
      { message: "Something went wrong on our side and nothing was changed. Please try again." },
      { status: 500 },
    );
  }
}
