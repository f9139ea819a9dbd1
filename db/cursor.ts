import type { Cursor } from "./todo-list.server";

/**
 * A keyset position as it travels in a URL: base64url of
 * "<inserted_at as Postgres prints it>|<id>". Decoding accepts only values
 * Postgres can take back, so a forged cursor is a 400, never a 500.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?[+-](\d{2})(:\d{2})?$/;

/** Postgres's text form of a timestamptz, with values that exist (a shape alone would let 2026-13-45 through to a 500). */
function isTimestamp(value: string): boolean {
  const match = TIMESTAMP.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second, , offset] = [1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
    Number(match[i]),
  );
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    offset <= 15
  );
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.at}|${cursor.id}`, "utf8").toString("base64url");
}

export function decodeCursor(value: string): Cursor | null {
  const [at, id, extra] = Buffer.from(value, "base64url").toString("utf8").split("|");
  if (extra !== undefined || !at || !isTimestamp(at) || !id || !/^[1-9][0-9]{0,14}$/.test(id))
    return null;
  return { at, id: Number(id) };
}
