import { json } from "@remix-run/node";
import { withIdentity, type ScopedTx } from "../../db/scoped.server";
import { TokenRejectedError, type Identity } from "../auth/token.server";

const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006"]);

/** True for errors that mean "the database did not answer", not "the query was wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, type } = current as { code?: unknown; message?: unknown; type?: unknown };
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    // The driver surfaces a failed WebSocket as an ErrorEvent-like object.
    if (type === "error" && !(current instanceof Error)) return true;
    if (typeof message === "string" && /connection terminated|connection timeout|timeout exceeded when trying to connect|websocket|socket hang up|terminating connection/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export const unavailable = () =>
  json({ message: "The database is not answering right now. Your data is safe; try again in a moment." }, { status: 503 });

/**
 * `withIdentity` for routes: a rejected token becomes a 401 and an
 * unreachable database a 503, both thrown as responses for the error boundary.
 */
export async function scoped<T>(token: string, run: (tx: ScopedTx, identity: Identity) => Promise<T>): Promise<T> {
  try {
    return await withIdentity(token, run);
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      throw json({ message: "Your session is no longer valid. Please sign in again." }, { status: 401 });
    }
    if (isDatabaseUnavailable(error)) throw unavailable();
    throw error;
  }
}
