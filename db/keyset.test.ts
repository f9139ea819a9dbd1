import { describe, expect, it } from "vitest";
import { keysetPage } from "./keyset";

/** Rows as a list would read them: ids, `limit + 1` at most, in the order read. */
const page = (rows: number[], query: { after?: number; before?: number }) =>
  keysetPage(rows, 3, query, (id) => id);

describe("keysetPage", () => {
  it("from the start: a next page when the extra row came back, never a previous one", () => {
    expect(page([10, 9, 8, 7], {})).toEqual({ rows: [10, 9, 8], next: 8, previous: null });
    expect(page([10, 9, 8], {})).toEqual({ rows: [10, 9, 8], next: null, previous: null });
  });

  it("forward from a cursor: always a previous page, a next one only with the extra row", () => {
    expect(page([7, 6, 5, 4], { after: 8 })).toEqual({ rows: [7, 6, 5], next: 5, previous: 7 });
    expect(page([7, 6], { after: 8 })).toEqual({ rows: [7, 6], next: null, previous: 7 });
  });

  it("backwards: rows read in reverse come back in the list's order, with a next page always and a previous one with the extra row", () => {
    expect(page([8, 9, 10, 11], { before: 7 })).toEqual({
      rows: [10, 9, 8],
      next: 8,
      previous: 10,
    });
    expect(page([8, 9], { before: 7 })).toEqual({ rows: [9, 8], next: 8, previous: null });
  });

  it("an empty page has no neighbours", () => {
    expect(page([], { after: 1 })).toEqual({ rows: [], next: null, previous: null });
    expect(page([], { before: 1 })).toEqual({ rows: [], next: null, previous: null });
  });

  it("an `after` cursor wins over `before`", () => {
    expect(page([7, 6, 5, 4], { after: 8, before: 2 })).toEqual({
      rows: [7, 6, 5],
      next: 5,
      previous: 7,
    });
  });
});
