import { describe, expect, it } from "vitest";
import { REVIEW_REASONS } from "../../db/limits";
import { firstStringValues, parseFields } from "../lib/form.server";
import { reviewIntent, reviewIntentError } from "./intents.server";

// The messages are the user-facing contract (shown on the review page), so
// they are spelled out here rather than imported.
const UNKNOWN = "Unknown action.";
const BAD_VERDICT = "Choose approve or flag.";
const MISSING_ID = "Missing todo id.";
const BAD_ID = "The todo id must be a positive whole number.";
const NOTE_TOO_LONG = "A note can be at most 1000 characters.";
const FLAG_NEEDS_REASON = "Choose a reason for the flag.";
const ESCALATION_NEEDS_REASON = "Choose a reason for the escalation.";
const BAD_REASON = "Choose a reason from the list.";

/** The intent, or what POST /review answers with a 400 for it. */
function parseReviewIntent(data: FormData) {
  const parsed = parseFields(reviewIntent, data);
  return parsed.ok ? parsed : { ok: false, ...reviewIntentError(parsed, firstStringValues(data)) };
}

function form(fields: Record<string, string | Blob> | [string, string][]): FormData {
  const data = new FormData();
  for (const [key, value] of Array.isArray(fields) ? fields : Object.entries(fields))
    data.append(key, value);
  return data;
}

describe("valid reviews", () => {
  it("an approval without a note has a null note and no reason", () => {
    expect(parseReviewIntent(form({ intent: "review", id: "12", verdict: "approved" }))).toEqual({
      ok: true,
      value: { intent: "review", id: 12, verdict: "approved", reason: null, note: null },
    });
  });

  it.each(REVIEW_REASONS)("a flag as %s keeps its reason", (reason) => {
    expect(
      parseReviewIntent(form({ intent: "review", id: "12", verdict: "flagged", reason })),
    ).toEqual({
      ok: true,
      value: { intent: "review", id: 12, verdict: "flagged", reason, note: null },
    });
  });

  it("an approval takes no reason: one chosen in the shared picker is dropped", () => {
    expect(
      parseReviewIntent(form({ intent: "review", id: "12", verdict: "approved", reason: "spam" })),
    ).toEqual({
      ok: true,
      value: { intent: "review", id: 12, verdict: "approved", reason: null, note: null },
    });
  });

  it("keeps a note, trimmed", () => {
    expect(
      parseReviewIntent(
        form({
          intent: "review",
          id: "3",
          verdict: "flagged",
          reason: "spam",
          note: "  looks like spam \n",
        }),
      ),
    ).toEqual({
      ok: true,
      value: {
        intent: "review",
        id: 3,
        verdict: "flagged",
        reason: "spam",
        note: "looks like spam",
      },
    });
  });

  it.each([
    ["an empty note", ""],
    ["a whitespace-only note", " \t\n "],
  ])("%s becomes null", (_name, note) => {
    expect(
      parseReviewIntent(form({ intent: "review", id: "3", verdict: "approved", note })),
    ).toEqual({
      ok: true,
      value: { intent: "review", id: 3, verdict: "approved", reason: null, note: null },
    });
  });

  it("accepts a note of exactly 1000 characters, even padded with whitespace", () => {
    const note = "n".repeat(1000);
    expect(
      parseReviewIntent(form({ intent: "review", id: "3", verdict: "approved", note })),
    ).toEqual({
      ok: true,
      value: { intent: "review", id: 3, verdict: "approved", reason: null, note },
    });
    // The limit applies to what is stored, which is the trimmed note.
    expect(
      parseReviewIntent(
        form({ intent: "review", id: "3", verdict: "approved", note: `  ${note}  ` }),
      ),
    ).toEqual({
      ok: true,
      value: { intent: "review", id: 3, verdict: "approved", reason: null, note },
    });
  });

  it("takes the first of repeated fields, so a second verdict cannot override the first", () => {
    const parsed = parseReviewIntent(
      form([
        ["intent", "review"],
        ["id", "5"],
        ["verdict", "approved"],
        ["verdict", "flagged"],
      ]),
    );
    expect(parsed).toEqual({
      ok: true,
      value: { intent: "review", id: 5, verdict: "approved", reason: null, note: null },
    });
  });

  it("ignores fields outside the contract, such as a forged reviewer", () => {
    const parsed = parseReviewIntent(
      form({ intent: "review", id: "5", verdict: "approved", reviewer_id: "user_adam" }),
    );
    expect(parsed).toEqual({
      ok: true,
      value: { intent: "review", id: 5, verdict: "approved", reason: null, note: null },
    });
  });
});

describe("the queue's other intents", () => {
  it.each([["claim"], ["release"], ["resolve"]] as const)(
    "%s takes the todo's id alone",
    (intent) => {
      expect(
        parseReviewIntent(form({ intent, id: "9", verdict: "approved", reason: "spam" })),
      ).toEqual({ ok: true, value: { intent, id: 9 } });
    },
  );

  it("escalate takes a reason and a trimmed note", () => {
    expect(
      parseReviewIntent(
        form({ intent: "escalate", id: "9", reason: "abuse", note: " see thread " }),
      ),
    ).toEqual({
      ok: true,
      value: { intent: "escalate", id: 9, reason: "abuse", note: "see thread" },
    });
  });
});

describe("invalid reviews", () => {
  it.each([
    [
      "a bad verdict",
      { intent: "review", id: "7", verdict: "rejected" },
      { error: BAD_VERDICT, id: "7" },
    ],
    [
      "a verdict in the wrong case",
      { intent: "review", id: "7", verdict: "Approved" },
      { error: BAD_VERDICT, id: "7" },
    ],
    ["a missing verdict", { intent: "review", id: "7" }, { error: BAD_VERDICT, id: "7" }],
    [
      "a missing id",
      { intent: "review", verdict: "approved" },
      { error: MISSING_ID, id: undefined },
    ],
    [
      "a non-numeric id",
      { intent: "review", id: "abc", verdict: "approved" },
      { error: BAD_ID, id: "abc" },
    ],
    ["id 0", { intent: "review", id: "0", verdict: "approved" }, { error: BAD_ID, id: "0" }],
    [
      "a negative id",
      { intent: "review", id: "-3", verdict: "approved" },
      { error: BAD_ID, id: "-3" },
    ],
    [
      "a 16-digit id",
      { intent: "review", id: "1234567890123456", verdict: "approved" },
      { error: BAD_ID, id: "1234567890123456" },
    ],
    [
      "a todo intent",
      { intent: "delete", id: "7", verdict: "approved" },
      { error: UNKNOWN, id: "7" },
    ],
    ["no intent", { id: "7", verdict: "approved" }, { error: UNKNOWN, id: "7" }],
    [
      "a note of 1001 characters",
      { intent: "review", id: "7", verdict: "flagged", reason: "spam", note: "n".repeat(1001) },
      { error: NOTE_TOO_LONG, id: "7" },
    ],
    [
      "a flag without a reason",
      { intent: "review", id: "7", verdict: "flagged" },
      { error: FLAG_NEEDS_REASON, id: "7" },
    ],
    [
      "a flag with the picker's empty choice",
      { intent: "review", id: "7", verdict: "flagged", reason: "" },
      { error: FLAG_NEEDS_REASON, id: "7" },
    ],
    [
      "a reason not on the list",
      { intent: "review", id: "7", verdict: "flagged", reason: "boring" },
      { error: BAD_REASON, id: "7" },
    ],
    [
      "a reason in the wrong case",
      { intent: "review", id: "7", verdict: "flagged", reason: "Spam" },
      { error: BAD_REASON, id: "7" },
    ],
    [
      "an escalation without a reason",
      { intent: "escalate", id: "7" },
      { error: ESCALATION_NEEDS_REASON, id: "7" },
    ],
    [
      "an escalation with a reason not on the list",
      { intent: "escalate", id: "7", reason: "boring" },
      { error: BAD_REASON, id: "7" },
    ],
    ["a claim without an id", { intent: "claim" }, { error: MISSING_ID, id: undefined }],
    ["a resolve with a bad id", { intent: "resolve", id: "x" }, { error: BAD_ID, id: "x" }],
  ])("%s", (_name, fields, expected) => {
    expect(parseReviewIntent(form(fields))).toEqual({ ok: false, ...expected });
  });

  it("reports the intent before anything else", () => {
    expect(parseReviewIntent(form({ intent: "approve", id: "x", verdict: "maybe" }))).toEqual({
      ok: false,
      error: UNKNOWN,
      id: "x",
    });
  });

  it("a file uploaded as the verdict does not count as a verdict", () => {
    const parsed = parseReviewIntent(
      form({ intent: "review", id: "7", verdict: new Blob(["approved"]) }),
    );
    expect(parsed).toEqual({ ok: false, error: BAD_VERDICT, id: "7" });
  });
});
