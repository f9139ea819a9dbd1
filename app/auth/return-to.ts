/** Only same-site paths, so a crafted returnTo cannot send anyone elsewhere. */
export function safeReturnTo(value: unknown): string {
  return typeof value === "string" && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/todos";
}
