import { describe, expect, it } from "vitest";
import { parseFields } from "../lib/form.server";
import { revertForm } from "./form.server";

const parseRevertForm = (data: FormData) => parseFields(revertForm, data);

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.append(key, value);
  return data;
};

describe("the revert form", () => {
  it("takes a transaction id and a path on this site to go back to", () => {
    expect(parseRevertForm(form({ tx: "1234", back: "/todos?status=open" }))).toEqual({
      ok: true,
      value: { tx: 1234, back: "/todos?status=open" },
    });
    expect(parseRevertForm(form({ tx: "7" }))).toEqual({
      ok: true,
      value: { tx: 7, back: "/todos" },
    });
  });

  it.each([[""], ["0"], ["-3"], ["1e3"], ["12.5"], ["99999999999999999"], ["abc"], [" 12"]])(
    "refuses the transaction id %j with a message",
    (tx) => {
      expect(parseRevertForm(form({ tx }))).toEqual({
        ok: false,
        error: "The transaction id must be a positive whole number.",
      });
    },
  );

  it("asks for a missing transaction id", () => {
    expect(parseRevertForm(form({}))).toEqual({ ok: false, error: "Missing transaction id." });
  });

  it.each([
    ["https://evil.example/"],
    ["//evil.example/"],
    ["/\\evil.example"],
    ["todos"],
    ["/todos\nLocation: x"],
    ["/" + "a".repeat(2001)],
  ])("goes back to /todos rather than to %j", (back) => {
    expect(parseRevertForm(form({ tx: "5", back }))).toEqual({
      ok: true,
      value: { tx: 5, back: "/todos" },
    });
  });
});
