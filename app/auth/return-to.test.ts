import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeReturnTo } from "./return-to";

const APPS = ["http://127.0.0.1:3000", "https://warden.example", "https://warden.example:8443"];

/** What a browser does with the Location header: resolve it against the page it came from. */
const landsOn = (location: string, app: string) =>
  new URL(location, `${app}/sign-in?returnTo=x`).origin;

// Pieces browsers are known to normalise into another host.
const tricky = fc.constantFrom(
  "/",
  "//",
  "\\",
  "/\\",
  "\t",
  "\n",
  "\r",
  " ",
  "\u0000",
  "\u000b",
  "\u00a0",
  "\u2028",
  "\u3000",
  "\ufeff",
  ":",
  "@",
  "%2f",
  "%5c",
  "%09",
  "evil.example",
  "http:",
  "https:",
  "javascript:",
  ".",
  "..",
  "?",
  "#",
  "é",
);

const candidate = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(tricky, { maxLength: 8 }).map((parts) => parts.join("")),
  fc
    .tuple(fc.array(tricky, { maxLength: 4 }), fc.webUrl())
    .map(([parts, url]) => parts.join("") + url),
  fc.webPath().map((path) => `/${path}`),
);

describe("safeReturnTo", () => {
  it("never sends anyone to another origin, whatever the string", () => {
    fc.assert(
      fc.property(candidate, fc.constantFrom(...APPS), (value, app) => {
        const result = safeReturnTo(value);
        expect(landsOn(result, app)).toBe(app);
        // A header value: printable ASCII only, or setting it would throw.
        expect(result).toMatch(/^\/[\x21-\x7E]*$/);
      }),
      { numRuns: 5_000, seed: 20261123 },
    );
  });

  it("keeps ordinary paths", () => {
    fc.assert(
      fc.property(fc.webPath(), fc.webQueryParameters(), (path, query) => {
        const value = `/${path.replace(/^\/+/, "")}${query ? `?${query}` : ""}`;
        fc.pre(!value.startsWith("//") && /^[\x21-\x7E]*$/.test(value) && !value.includes("\\"));
        expect(safeReturnTo(value)).toBe(value);
      }),
      { numRuns: 1_000, seed: 20261123 },
    );
  });

  it.each([
    ["/todos?owner=user_bob&status=open", "/todos?owner=user_bob&status=open"],
    ["/review", "/review"],
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
  ])("keeps %s", (value, expected) => {
    expect(safeReturnTo(value)).toBe(expected);
  });

  it.each([
    ["a tab after the slash (the reported attack)", "/\t/evil.example/x"],
    ["a newline after the slash", "/\n/evil.example"],
    ["a carriage return", "/todos\r\nSet-Cookie: x=1"],
    ["a protocol-relative URL", "//evil.example"],
    ["a backslash after the slash", "/\\evil.example"],
    ["a backslash later on", "/todos\\..\\\\evil.example"],
    ["an absolute URL", "https://evil.example"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a leading space", " /todos"],
    ["a non-breaking space", "/\u00a0/evil.example"],
    ["a NUL", "/todos\u0000"],
    ["non-ASCII text", "/tödös"],
    ["an empty string", ""],
    ["a number", 42],
    ["null", null],
  ])("refuses %s", (_name, value) => {
    expect(safeReturnTo(value)).toBe("/todos");
  });
});
