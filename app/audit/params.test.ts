import { describe, expect, it } from "vitest";
import { parseFields } from "../lib/form.server";
import { auditParams, auditSearch } from "./params.server";

const parse = (search: string) => parseFields(auditParams, new URLSearchParams(search));

const BAD_ACTOR = "The actor must be a user id.";
const BAD_TODO = "The todo id must be a positive whole number.";
const BAD_ACTION = "Action must be insert, update or delete.";
const BAD_FROM = "From must be a date (YYYY-MM-DD).";
const BAD_TO = "To must be a date (YYYY-MM-DD).";
const BAD_CURSOR = "That page link is broken. Start again from the first page.";
const BACKWARDS_RANGE = "The date range ends before it starts.";

describe("auditParams: valid values", () => {
  it("no parameters is the unfiltered first page", () => {
    const parsed = parse("");
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && Object.values(parsed.value).filter((value) => value !== undefined)).toEqual(
      [],
    );
  });

  it("every filter and a cursor", () => {
    expect(
      parse("actor=user_alice&todo=42&tx=7&action=update&from=2026-01-01&to=2026-01-31&after=900"),
    ).toEqual({
      ok: true,
      value: {
        actor: "user_alice",
        todoId: 42,
        txId: 7,
        action: "update",
        from: "2026-01-01",
        to: "2026-01-31",
        after: 900,
      },
    });
  });

  it("a backwards cursor", () => {
    expect(parse("before=12")).toEqual({
      ok: true,
      value: expect.objectContaining({ before: 12 }),
    });
  });

  it.each(["insert", "update", "delete"])("action=%s", (action) => {
    expect(parse(`action=${action}`)).toEqual({
      ok: true,
      value: expect.objectContaining({ action }),
    });
  });

  it.each(["0", "-1", "x", "1.5"])("tx=%s is a 400 with a message", (tx) => {
    expect(parse(`tx=${tx}`)).toEqual({
      ok: false,
      error: "The transaction id must be a positive whole number.",
    });
  });

  it("trims the actor", () => {
    expect(parse("actor=%20user_bob%20")).toEqual({
      ok: true,
      value: expect.objectContaining({ actor: "user_bob" }),
    });
  });

  // An empty form field (the "Any" option, a cleared date) means "no filter", not "bad value".
  it("empty values are no filter", () => {
    const parsed = parse("actor=&todo=&action=&from=&to=&after=&before=");
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && Object.values(parsed.value).filter((value) => value !== undefined)).toEqual(
      [],
    );
  });

  it.each([
    ["the same day", "from=2026-03-01&to=2026-03-01"],
    ["a leap day", "from=2024-02-29&to=2024-02-29"],
    ["across a year", "from=2025-12-31&to=2026-01-01"],
  ])("a date range on %s", (_name, search) => {
    expect(parse(search).ok).toBe(true);
  });

  it("unknown parameters are ignored", () => {
    expect(parse("todo=5&sort=oldest&page=2")).toEqual({
      ok: true,
      value: expect.objectContaining({ todoId: 5 }),
    });
  });
});

describe("auditParams: refused values", () => {
  const cases: [name: string, search: string, error: string][] = [
    ["an actor with a space", "actor=user%20alice", BAD_ACTOR],
    ["an actor with punctuation", "actor=user_alice'--", BAD_ACTOR],
    ["a whitespace-only actor", "actor=%20%20", BAD_ACTOR],
    ["a 101-character actor", `actor=${"a".repeat(101)}`, BAD_ACTOR],
    ["a non-numeric todo", "todo=abc", BAD_TODO],
    ["a zero todo", "todo=0", BAD_TODO],
    ["a negative todo", "todo=-3", BAD_TODO],
    ["a fractional todo", "todo=1.5", BAD_TODO],
    ["a 16-digit todo", "todo=1234567890123456", BAD_TODO],
    ["an unknown action", "action=truncate", BAD_ACTION],
    ["an action in the wrong case", "action=Update", BAD_ACTION],
    ["a from in another format", "from=01/02/2026", BAD_FROM],
    ["a from without zero padding", "from=2026-1-05", BAD_FROM],
    ["a from that is a word", "from=yesterday", BAD_FROM],
    ["a from with a time", "from=2026-01-05T10:00", BAD_FROM],
    ["a to in another format", "to=2026/01/05", BAD_TO],
    ["February 30th as from", "from=2026-02-30", BAD_FROM],
    ["February 30th as to", "to=2026-02-30", BAD_TO],
    ["February 29th in a common year", "from=2025-02-29", BAD_FROM],
    ["April 31st", "to=2026-04-31", BAD_TO],
    ["month 13", "from=2026-13-01", BAD_FROM],
    ["month 00", "to=2026-00-10", BAD_TO],
    ["day 00", "from=2026-01-00", BAD_FROM],
    ["from after to", "from=2026-03-02&to=2026-03-01", BACKWARDS_RANGE],
    ["a non-numeric after", "after=abc", BAD_CURSOR],
    ["a zero before", "before=0", BAD_CURSOR],
    ["a negative after", "after=-1", BAD_CURSOR],
  ];

  it.each(cases)("%s", (_name, search, error) => {
    expect(parse(search)).toEqual({ ok: false, error });
  });
});

describe("auditSearch", () => {
  it("is empty for no filter and no page", () => {
    expect(auditSearch({})).toBe("");
  });

  it("writes every filter under its URL name, then the page", () => {
    const search = auditSearch(
      { actor: "user_alice", todoId: 42, action: "delete", from: "2026-01-01", to: "2026-01-31" },
      { after: 77 },
    );
    expect(search).toBe(
      "?actor=user_alice&todo=42&action=delete&from=2026-01-01&to=2026-01-31&after=77",
    );
  });

  it("writes a backwards page", () => {
    expect(auditSearch({ action: "insert" }, { before: 5 })).toBe("?action=insert&before=5");
  });

  // Pagination links must reproduce the same view when the server reads them back.
  it("round-trips through auditParams", () => {
    const query = {
      actor: "user_bob",
      todoId: 9,
      action: "update" as const,
      from: "2024-02-29",
      to: "2024-03-01",
    };
    expect(parse(auditSearch(query, { before: 31 }))).toEqual({
      ok: true,
      value: { ...query, before: 31 },
    });
  });
});
