import { json } from "@remix-run/node";
import { withIdentity, type ScopedTx } from "../../db/scoped.server";
import { isSessionLive } from "../../db/sessions.server";
import { sessionIdOf, type Identity } from "../../roles/identity";
import { authMode } from "../config.server";

const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006"]);

/** True for errors that mean "the database did not answer", not "the query was wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, type } = current as { code?: unknown; message?: unknown; type?: unknown };
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    // The driver surfaces a failed WebSocket as an ErrorEvent-like object.
    if (type === "error" && !(current instanceof Error)) return true;
    // "not queryable": the driver's own refusal once it has seen the connection end, e.g. a backend terminated between two statements.
    if (typeof message === "string" && /connection terminated|connection timeout|timeout exceeded when trying to connect|websocket|socket hang up|terminating connection|not queryable/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export const unavailable = () =>
  json({ message: "The database is not answering right now. Your data is safe; try again in a moment." }, { status: 503 });

/** A Postgres error (a five-character SQLSTATE), bare or wrapped by drizzle. */
function isDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

export const sessionRejected = () => json({ message: "Your session is no longer valid. Please sign in again." }, { status: 401 });

/**
 * `withIdentity` for routes: one transaction as the verified identity. With
 * the local identity provider its first statement asks whether the token's
 * server-side session still lives (`session: "any"` skips that, for starting
 * and ending sessions): an ended one is a 401 and the callback never runs.
 * An unreachable database becomes a 503 thrown for the error boundary; any
 * other database error is logged and answered with a generic 500, so no SQL
 * or Postgres error text ever reaches a user. The app's own errors pass through.
 */
export async function scoped<T>(identity: Identity, run: (tx: ScopedTx) => Promise<T>, options: { session?: "live" | "any" } = {}): Promise<T> {
  const checkSession = options.session !== "any" && authMode() === "local";
  try {
    return await withIdentity(identity, async (tx) => {
      if (checkSession) {
        const sid = sessionIdOf(identity);
        if (!sid || !(await isSessionLive(tx, sid))) throw sessionRejected();
      }
      return run(tx);
    });
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw unavailable();
    if (!isDatabaseError(error)) throw error;
    console.error(error);
    throw json({ message: "Something went wrong on our side and nothing was changed. Please try again." }, { status: 500 });
  }
}
