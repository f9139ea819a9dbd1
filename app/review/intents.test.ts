import { describe, expect, it } from "vitest";
import { parseReviewIntent } from "./intents.server";

// The messages are the user-facing contract (shown on the review page), so
// they are spelled out here rather than imported.
const UNKNOWN = "Unknown action.";
const BAD_VERDICT = "Choose approve or flag.";
const MISSING_ID = "Missing todo id.";
const BAD_ID = "The todo id must be a positive whole number.";
const NOTE_TOO_LONG = "A note can be at most 1000 characters.";

function form(fields: Record<string, string | Blob> | [string, string][]): FormData {
  const data = new FormData();
  for (const [key, value] of Array.isArray(fields) ? fields : Object.entries(fields)) data.append(key, value);
  return data;
}

describe("valid reviews", () => {
  it.each([["approved"], ["flagged"]] as const)("%s without a note has a null note", (verdict) => {
    expect(parseReviewIntent(form({ intent: "review", id: "12", verdict }))).toEqual({ ok: true, value: { intent: "review", id: 12, verdict, note: null } });
  });

  it("keeps a note, trimmed", () => {
    expect(parseReviewIntent(form({ intent: "review", id: "3", verdict: "flagged", note: "  looks like spam \n" }))).toEqual({
      ok: true,
      value: { intent: "review", id: 3, verdict: "flagged", note: "looks like spam" },
    });
  });

  it.each([["an empty note", ""], ["a whitespace-only note", " \t\n "]])("%s becomes null", (_name, note) => {
    expect(parseReviewIntent(form({ intent: "review", id: "3", verdict: "approved", note }))).toEqual({
      ok: true,
      value: { intent: "review", id: 3, verdict: "approved", note: null },
    });
  });

  it("accepts a note of exactly 1000 characters, even padded with whitespace", () => {
    const note = "n".repeat(1000);
    expect(parseReviewIntent(form({ intent: "review", id: "3", verdict: "approved", note }))).toEqual({ ok: true, value: { intent: "review", id: 3, verdict: "approved", note } });
    // The limit applies to what is stored, which is the trimmed note.
    expect(parseReviewIntent(form({ intent: "review", id: "3", verdict: "approved", note: `  ${note}  ` }))).toEqual({
      ok: true,
      value: { intent: "review", id: 3, verdict: "approved", note },
    });
  });

  it("takes the first of repeated fields, so a second verdict cannot override the first", () => {
    const parsed = parseReviewIntent(form([["intent", "review"], ["id", "5"], ["verdict", "approved"], ["verdict", "flagged"]]));
    expect(parsed).toEqual({ ok: true, value: { intent: "review", id: 5, verdict: "approved", note: null } });
  });

  it("ignores fields outside the contract, such as a forged reviewer", () => {
    const parsed = parseReviewIntent(form({ intent: "review", id: "5", verdict: "approved", reviewer_id: "user_adam" }));
    expect(parsed).toEqual({ ok: true, value: { intent: "review", id: 5, verdict: "approved", note: null } });
  });
});

describe("invalid reviews", () => {
  it.each([
    ["a bad verdict", { intent: "review", id: "7", verdict: "rejected" }, { error: BAD_VERDICT, id: "7" }],
    ["a verdict in the wrong case", { intent: "review", id: "7", verdict: "Approved" }, { error: BAD_VERDICT, id: "7" }],
    ["a missing verdict", { intent: "review", id: "7" }, { error: BAD_VERDICT, id: "7" }],
    ["a missing id", { intent: "review", verdict: "approved" }, { error: MISSING_ID, id: undefined }],
    ["a non-numeric id", { intent: "review", id: "abc", verdict: "approved" }, { error: BAD_ID, id: "abc" }],
    ["id 0", { intent: "review", id: "0", verdict: "approved" }, { error: BAD_ID, id: "0" }],
    ["a negative id", { intent: "review", id: "-3", verdict: "approved" }, { error: BAD_ID, id: "-3" }],
    ["a 16-digit id", { intent: "review", id: "1234567890123456", verdict: "approved" }, { error: BAD_ID, id: "1234567890123456" }],
    ["a todo intent", { intent: "delete", id: "7", verdict: "approved" }, { error: UNKNOWN, id: "7" }],
    ["no intent", { id: "7", verdict: "approved" }, { error: UNKNOWN, id: "7" }],
    ["a note of 1001 characters", { intent: "review", id: "7", verdict: "flagged", note: "n".repeat(1001) }, { error: NOTE_TOO_LONG, id: "7" }],
  ])("%s", (_name, fields, expected) => {
    expect(parseReviewIntent(form(fields))).toEqual({ ok: false, ...expected });
  });

  it("reports the intent before anything else", () => {
    expect(parseReviewIntent(form({ intent: "approve", id: "x", verdict: "maybe" }))).toEqual({ ok: false, error: UNKNOWN, id: "x" });
  });

  it("a file uploaded as the verdict does not count as a verdict", () => {
    const parsed = parseReviewIntent(form({ intent: "review", id: "7", verdict: new Blob(["approved"]) }));
    expect(parsed).toEqual({ ok: false, error: BAD_VERDICT, id: "7" });
  });
});
