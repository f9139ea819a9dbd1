import { describe, expect, it } from "vitest";
import { BULK_ACTIONS } from "../../db/limits";
import { parseFields } from "../lib/form.server";
import { bulkIntent } from "./bulk-intent.server";

const parseBulkIntent = (data: FormData) => parseFields(bulkIntent, data, { repeated: ["id"] });

/** A form as the browser posts it: repeated fields (several `id`s) stay repeated. */
function form(fields: [string, string][]): FormData {
  const data = new FormData();
  for (const [name, value] of fields) data.append(name, value);
  return data;
}

const ids = (...values: (string | number)[]): [string, string][] =>
  values.map((value) => ["id", String(value)]);

const NO_ACTION = "Choose a bulk action: complete, reopen, reassign or delete.";
const BAD_SCOPE = "Scope must be the selected rows or the whole filter.";
const NO_OWNER = "Choose the new owner to reassign to.";
const NO_IDS = "Select at least one todo.";
const BAD_ID = "The todo id must be a positive whole number.";

describe("valid bulk forms", () => {
  it.each(BULK_ACTIONS.filter((action) => action !== "reassign"))(
    "%s of the selected rows",
    (action) => {
      expect(
        parseBulkIntent(
          form([["intent", "bulk"], ["action", action], ["scope", "selected"], ...ids(7, 3)]),
        ),
      ).toEqual({
        ok: true,
        value: { action, scope: "selected", ids: [7, 3], confirmed: false, owner: undefined },
      });
    },
  );

  it.each(BULK_ACTIONS.filter((action) => action !== "reassign"))(
    "%s of the whole filter needs no ids",
    (action) => {
      expect(
        parseBulkIntent(
          form([
            ["intent", "bulk"],
            ["action", action],
            ["scope", "filter"],
          ]),
        ),
      ).toEqual({
        ok: true,
        value: { action, scope: "filter", confirmed: false, owner: undefined },
      });
    },
  );

  it("reassign of the selected rows carries the trimmed owner", () => {
    expect(
      parseBulkIntent(form([["action", "reassign"], ["owner", "  user_bob-2 "], ...ids(5)])),
    ).toEqual({
      ok: true,
      value: {
        action: "reassign",
        scope: "selected",
        ids: [5],
        owner: "user_bob-2",
        confirmed: false,
      },
    });
  });

  it("reassign of the whole filter carries the owner", () => {
    expect(
      parseBulkIntent(
        form([
          ["action", "reassign"],
          ["scope", "filter"],
          ["owner", "user_bob"],
          ["confirmed", "yes"],
        ]),
      ),
    ).toEqual({
      ok: true,
      value: { action: "reassign", scope: "filter", owner: "user_bob", confirmed: true },
    });
  });

  // The form's radio may submit an empty scope; it must not turn into a filter-wide action.
  it.each([
    ["absent", []],
    ["empty", [["scope", ""]]],
  ] as [string, [string, string][]][])(
    "a scope that is %s means the selected rows",
    (_name, scope) => {
      const parsed = parseBulkIntent(form([["action", "complete"], ...scope, ...ids(1)]));
      expect(parsed).toEqual({
        ok: true,
        value: expect.objectContaining({ scope: "selected", ids: [1] }),
      });
    },
  );

  it("an owner sent with another action is dropped", () => {
    const parsed = parseBulkIntent(form([["action", "delete"], ["owner", "user_bob"], ...ids(1)]));
    expect(parsed).toEqual({
      ok: true,
      value: { action: "delete", scope: "selected", ids: [1], owner: undefined, confirmed: false },
    });
  });

  it("duplicate ids are de-duplicated, first appearance first", () => {
    const parsed = parseBulkIntent(form([["action", "complete"], ...ids(3, 1, 3, 2, 1, 3)]));
    expect(parsed).toEqual({ ok: true, value: expect.objectContaining({ ids: [3, 1, 2] }) });
  });

  it("exactly the limit of 50,000 ids is accepted", () => {
    const many = Array.from({ length: 50_000 }, (_, index) => index + 1);
    const parsed = parseBulkIntent(form([["action", "complete"], ...ids(...many)]));
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.value.scope === "selected" && parsed.value.ids.length).toBe(50_000);
  });
});

describe("confirmed", () => {
  it("is true for confirmed=yes", () => {
    const parsed = parseBulkIntent(form([["action", "delete"], ["confirmed", "yes"], ...ids(1)]));
    expect(parsed).toEqual({ ok: true, value: expect.objectContaining({ confirmed: true }) });
  });

  it.each([["no"], ["Yes"], ["YES"], ["true"], ["1"], [""], [" yes"]])(
    "is false for confirmed=%j",
    (value) => {
      const parsed = parseBulkIntent(form([["action", "delete"], ["confirmed", value], ...ids(1)]));
      expect(parsed).toEqual({ ok: true, value: expect.objectContaining({ confirmed: false }) });
    },
  );

  it("is false when absent", () => {
    const parsed = parseBulkIntent(form([["action", "delete"], ...ids(1)]));
    expect(parsed).toEqual({ ok: true, value: expect.objectContaining({ confirmed: false }) });
  });

  // Only the first value of a field counts, so a second "yes" cannot confirm a declined form.
  it("reads only the first confirmed field", () => {
    const parsed = parseBulkIntent(
      form([["action", "delete"], ["confirmed", "no"], ["confirmed", "yes"], ...ids(1)]),
    );
    expect(parsed).toEqual({ ok: true, value: expect.objectContaining({ confirmed: false }) });
  });
});

describe("invalid bulk forms", () => {
  const cases: [name: string, fields: [string, string][], error: string][] = [
    ["no action", [["intent", "bulk"], ...ids(1)], NO_ACTION],
    ["an empty action", [["action", ""], ...ids(1)], NO_ACTION],
    ["an unknown action", [["action", "archive"], ...ids(1)], NO_ACTION],
    ["an action in the wrong case", [["action", "Complete"], ...ids(1)], NO_ACTION],
    ["an unknown scope", [["action", "complete"], ["scope", "everything"], ...ids(1)], BAD_SCOPE],
    ["reassign without owner", [["action", "reassign"], ...ids(1)], NO_OWNER],
    ["reassign with an empty owner", [["action", "reassign"], ["owner", ""], ...ids(1)], NO_OWNER],
    [
      "reassign with a whitespace owner",
      [["action", "reassign"], ["owner", "   "], ...ids(1)],
      NO_OWNER,
    ],
    [
      "reassign with a space inside the owner",
      [["action", "reassign"], ["owner", "user bob"], ...ids(1)],
      NO_OWNER,
    ],
    [
      "reassign with punctuation in the owner",
      [["action", "reassign"], ["owner", "user_bob';--"], ...ids(1)],
      NO_OWNER,
    ],
    [
      "reassign with a non-ASCII owner",
      [["action", "reassign"], ["owner", "usér"], ...ids(1)],
      NO_OWNER,
    ],
    [
      "reassign with a 101-character owner",
      [["action", "reassign"], ["owner", "a".repeat(101)], ...ids(1)],
      NO_OWNER,
    ],
    [
      "reassign of the filter without owner",
      [
        ["action", "reassign"],
        ["scope", "filter"],
      ],
      NO_OWNER,
    ],
    ["no ids for the selected rows", [["action", "complete"]], NO_IDS],
    [
      "no ids with an explicit selected scope",
      [
        ["action", "complete"],
        ["scope", "selected"],
      ],
      NO_IDS,
    ],
    ["a non-numeric id among good ones", [["action", "complete"], ...ids(1, "abc", 2)], BAD_ID],
    ["a zero id", [["action", "complete"], ...ids(1, 0)], BAD_ID],
    ["a negative id", [["action", "complete"], ...ids(-4)], BAD_ID],
    ["a fractional id", [["action", "complete"], ...ids(2, "1.5")], BAD_ID],
    ["an exponent id", [["action", "complete"], ...ids("1e3")], BAD_ID],
    ["an empty id", [["action", "complete"], ...ids(1, "")], BAD_ID],
    ["a 16-digit id", [["action", "complete"], ...ids("1234567890123456")], BAD_ID],
  ];

  it.each(cases)("%s", (_name, fields, error) => {
    expect(parseBulkIntent(form(fields))).toEqual({ ok: false, error });
  });

  it("a longest valid owner (100 characters) is accepted, so the 101 case is about length", () => {
    const parsed = parseBulkIntent(
      form([["action", "reassign"], ["owner", "a".repeat(100)], ...ids(1)]),
    );
    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({ owner: "a".repeat(100) }),
    });
  });

  it("50,001 ids are refused with the count", () => {
    const many = Array.from({ length: 50_001 }, (_, index) => index + 1);
    expect(parseBulkIntent(form([["action", "complete"], ...ids(...many)]))).toEqual({
      ok: false,
      error: "50,001 todos selected; a bulk action changes at most 50,000.",
    });
  });
});
