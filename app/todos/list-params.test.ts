import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../db/cursor";
import { parseFields } from "../lib/form.server";
import { filterSearch, listParams, type ListParams } from "./list-params.server";

// The messages are shown on the 400 page, so they are spelled out here
// rather than imported.
const BAD_STATUS = "Status must be open or complete.";
const BAD_VERDICT = "Verdict must be unreviewed, approved or flagged.";
const BAD_SORT = "Sort must be newest or oldest.";
const Q_TOO_LONG = "The search text is too long.";
const OWNER_TOO_LONG = "The owner filter is too long.";
const BROKEN_LINK = "That page link is broken. Start again from the first page.";

const parse = (query: Record<string, string> | string) =>
  parseFields(listParams, new URLSearchParams(query));
const rawCursor = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("listParams accepts", () => {
  it("no parameters, defaulting the sort to newest", () => {
    expect(parse("")).toEqual({ ok: true, value: { sort: "newest" } });
  });

  it("empty values as if they were absent (an empty filter form submits them)", () => {
    expect(parse("owner=&status=&verdict=&q=&sort=&after=&before=")).toEqual({
      ok: true,
      value: { sort: "newest" },
    });
  });

  it.each([["open"], ["complete"]])("status=%s", (status) => {
    expect(parse({ status })).toEqual({ ok: true, value: { status, sort: "newest" } });
  });

  it.each([["unreviewed"], ["approved"], ["flagged"]])("verdict=%s", (verdict) => {
    expect(parse({ verdict })).toEqual({ ok: true, value: { verdict, sort: "newest" } });
  });

  it.each([["newest"], ["oldest"]])("sort=%s", (sort) => {
    expect(parse({ sort })).toEqual({ ok: true, value: { sort } });
  });

  it("owner and q, trimmed", () => {
    expect(parse({ owner: "  user_bob \t", q: "\n milk  " })).toEqual({
      ok: true,
      value: { owner: "user_bob", q: "milk", sort: "newest" },
    });
  });

  it("q and owner of exactly 200 characters, and longer ones that are only padded with whitespace", () => {
    const long = "x".repeat(200);
    expect(parse({ owner: long, q: long })).toEqual({
      ok: true,
      value: { owner: long, q: long, sort: "newest" },
    });
    // Trimming comes before the length check, so padding does not count.
    expect(parse({ owner: `  ${long}  `, q: ` ${long} ` })).toEqual({
      ok: true,
      value: { owner: long, q: long, sort: "newest" },
    });
  });

  it("an after cursor, decoded", () => {
    const after = encodeCursor({ at: "2026-11-23 06:40:12.123456+00", id: 42 });
    expect(parse({ after })).toEqual({
      ok: true,
      value: { sort: "newest", after: { at: "2026-11-23 06:40:12.123456+00", id: 42 } },
    });
  });

  it("a before cursor, decoded, together with filters", () => {
    const before = encodeCursor({ at: "2026-11-23 06:40:12+05:30", id: 7 });
    expect(parse({ before, status: "open", sort: "oldest" })).toEqual({
      ok: true,
      value: { status: "open", sort: "oldest", before: { at: "2026-11-23 06:40:12+05:30", id: 7 } },
    });
  });
});

describe("listParams rejects", () => {
  it.each([
    ["an unknown status", { status: "done" }, BAD_STATUS],
    ["a status in the wrong case", { status: "Open" }, BAD_STATUS],
    ["an unknown verdict", { verdict: "rejected" }, BAD_VERDICT],
    ["an unknown sort", { sort: "random" }, BAD_SORT],
    ["a q over 200 characters", { q: "x".repeat(201) }, Q_TOO_LONG],
    ["an owner over 200 characters", { owner: "u".repeat(201) }, OWNER_TOO_LONG],
    ["a cursor that is not base64 of anything", { after: "!!!" }, BROKEN_LINK],
    ["a cursor of random text", { after: "not-a-cursor" }, BROKEN_LINK],
    ["a cursor without an id", { after: rawCursor("2026-11-23 06:40:12+00") }, BROKEN_LINK],
    ["a cursor with a word for a timestamp", { after: rawCursor("yesterday|5") }, BROKEN_LINK],
    ["a cursor with a date only", { before: rawCursor("2026-11-23|5") }, BROKEN_LINK],
    [
      "a cursor with a timestamp without zone",
      { after: rawCursor("2026-11-23 06:40:12.5|5") },
      BROKEN_LINK,
    ],
    [
      "a cursor with seven fractional digits",
      { after: rawCursor("2026-11-23 06:40:12.1234567+00|5") },
      BROKEN_LINK,
    ],
    [
      "a cursor with SQL in the timestamp",
      { after: rawCursor("2026-11-23 06:40:12+00'; drop table todos; --|5") },
      BROKEN_LINK,
    ],
    ["a cursor with id 0", { after: rawCursor("2026-11-23 06:40:12+00|0") }, BROKEN_LINK],
    ["a cursor with a negative id", { after: rawCursor("2026-11-23 06:40:12+00|-1") }, BROKEN_LINK],
    [
      "a cursor with a fractional id",
      { after: rawCursor("2026-11-23 06:40:12+00|1.5") },
      BROKEN_LINK,
    ],
    [
      "a cursor with a 16-digit id",
      { before: rawCursor("2026-11-23 06:40:12+00|1234567890123456") },
      BROKEN_LINK,
    ],
    [
      "a cursor with a leading-zero id",
      { after: rawCursor("2026-11-23 06:40:12+00|05") },
      BROKEN_LINK,
    ],
    ["a cursor with a third part", { after: rawCursor("2026-11-23 06:40:12+00|5|6") }, BROKEN_LINK],
    [
      "after and before at once",
      {
        after: encodeCursor({ at: "2026-11-23 06:40:12+00", id: 5 }),
        before: encodeCursor({ at: "2026-11-23 06:40:12+00", id: 9 }),
      },
      BROKEN_LINK,
    ],
  ])("%s", (_name, query, error) => {
    expect(parse(query)).toEqual({ ok: false, error });
  });

  // Shape alone is not enough: Postgres would reject these dates with 22008 and the page would answer 500.
  it.each([
    "2026-13-45 99:99:99+00|5",
    "2026-02-30 10:00:00+00|5",
    "2026-11-23 24:00:00+00|5",
    "2026-11-23 10:00:00+16|5",
  ])("a cursor whose timestamp has the right shape but is impossible: %s", (raw) => {
    expect(parse({ after: rawCursor(raw) })).toEqual({ ok: false, error: BROKEN_LINK });
  });

  it("a bad value among good ones (no silently different view)", () => {
    expect(parse({ owner: "user_bob", status: "open", sort: "sideways" })).toEqual({
      ok: false,
      error: BAD_SORT,
    });
  });
});

describe("cursors", () => {
  it.each([
    ["microseconds", { at: "2026-11-23 06:40:12.123456+00", id: 42 }],
    ["one fractional digit", { at: "2026-11-23 06:40:12.5+00", id: 1 }],
    ["no fraction, half-hour offset", { at: "1999-12-31 23:59:59+05:30", id: 999999999999999 }],
    ["negative offset", { at: "2026-01-01 00:00:00.000001-08", id: 7 }],
  ])("round-trip exactly with %s", (_name, cursor) => {
    const encoded = encodeCursor(cursor);
    // The cursor travels in a query string; base64url needs no escaping there.
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).toEqual(cursor);
  });

  it("different positions encode differently, down to the microsecond", () => {
    const a = encodeCursor({ at: "2026-11-23 06:40:12.123456+00", id: 42 });
    expect(encodeCursor({ at: "2026-11-23 06:40:12.123457+00", id: 42 })).not.toBe(a);
    expect(encodeCursor({ at: "2026-11-23 06:40:12.123456+00", id: 43 })).not.toBe(a);
  });

  it("decodeCursor answers null for garbage rather than throwing", () => {
    expect(decodeCursor("")).toBeNull();
    expect(decodeCursor("%%%")).toBeNull();
    expect(decodeCursor(rawCursor("|"))).toBeNull();
  });
});

describe("filterSearch", () => {
  const full: ListParams = {
    owner: "user_bob",
    status: "complete",
    verdict: "flagged",
    q: "100% done",
    sort: "oldest",
    after: { at: "2026-11-23 06:40:12.123456+00", id: 42 },
  };

  it("keeps every filter and the sort, and drops the cursor", () => {
    const search = new URLSearchParams(filterSearch(full).slice(1));
    expect(Object.fromEntries(search)).toEqual({
      owner: "user_bob",
      status: "complete",
      verdict: "flagged",
      q: "100% done",
      sort: "oldest",
    });
  });

  it("drops a before cursor too", () => {
    expect(
      filterSearch({
        sort: "newest",
        status: "open",
        before: { at: "2026-11-23 06:40:12+00", id: 3 },
      }),
    ).toBe("?status=open");
  });

  it("leaves out the default sort and answers an empty string when nothing is set", () => {
    expect(filterSearch({ sort: "newest" })).toBe("");
    expect(filterSearch({ sort: "oldest" })).toBe("?sort=oldest");
  });

  it("adds extra parameters, such as the next page's cursor", () => {
    const after = encodeCursor({ at: "2026-11-23 06:40:12.123456+00", id: 42 });
    expect(filterSearch({ sort: "newest", q: "milk" }, { after })).toBe(`?q=milk&after=${after}`);
  });

  it("escapes the values, so the link parses back to the same view", () => {
    const text = filterSearch(full, { after: encodeCursor(full.after!) });
    expect(text).not.toContain(" ");
    expect(parse(text.slice(1))).toEqual({ ok: true, value: full });
  });
});
