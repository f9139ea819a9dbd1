const FALLBACK = "/todos";
const CHECK_ORIGIN = "http://warden.invalid";

/**
 * Only a path on this site survives; anything else becomes /todos. The path
 * must be printable ASCII with no whitespace, control characters or
 * backslashes anywhere (browsers drop tabs and newlines and read `\` as `/`,
 * so `/\t/evil.example` and `/\evil.example` lead elsewhere), must not start
 * with `//`, and must still resolve to this origin by the URL parser browsers
 * use. It is then a safe Location header value as well.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2000) return FALLBACK;
  if (!/^\/[\x21-\x7E]*$/.test(value) || value.includes("\\") || value.startsWith("//"))
    return FALLBACK;
  let resolved: URL;
  try {
    resolved = new URL(value, CHECK_ORIGIN);
  } catch {
    return FALLBACK;
  }
  return resolved.origin === CHECK_ORIGIN ? value : FALLBACK;
}
