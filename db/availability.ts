const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);

/** True for errors that mean "the database did not answer", not "the query was wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, type } = current as {
      code?: unknown;
      message?: unknown;
      type?: unknown;
    };
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    // The driver surfaces a failed WebSocket as an ErrorEvent-like object.
    if (type === "error" && !(current instanceof Error)) return true;
    // "not queryable": the driver's own refusal once it has seen the connection end, e.g. a backend terminated between two statements.
    if (
      typeof message === "string" &&
      /connection terminated|connection timeout|timeout exceeded when trying to connect|websocket|socket hang up|terminating connection|not queryable/i.test(
        message,
      )
    )
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
