import { describe, expect, it } from "vitest";
import { TASK_MAX_LENGTH } from "../../db/limits";
import { parseTodoIntent } from "./intents.server";

// The messages are the user-facing contract (shown next to the form), so
// they are spelled out here rather than imported.
const ENTER_TASK = "Enter a task.";
const TOO_LONG = "A task can be at most 500 characters.";
const MISSING_ID = "Missing todo id.";
const BAD_ID = "The todo id must be a positive whole number.";
const UNKNOWN = "Unknown action.";

function form(fields: Record<string, string | Blob>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.append(key, value);
  return data;
}

describe("valid intents", () => {
  it("create trims the task", () => {
    expect(parseTodoIntent(form({ intent: "create", task: "  Buy milk \n" }))).toEqual({
      ok: true,
      value: { intent: "create", task: "Buy milk" },
    });
  });

  it("update turns the id into a number and trims the task", () => {
    expect(parseTodoIntent(form({ intent: "update", id: "42", task: "\tRenamed  " }))).toEqual({
      ok: true,
      value: { intent: "update", id: 42, task: "Renamed" },
    });
  });

  it("toggle", () => {
    expect(parseTodoIntent(form({ intent: "toggle", id: "7" }))).toEqual({
      ok: true,
      value: { intent: "toggle", id: 7 },
    });
  });

  it("delete", () => {
    expect(parseTodoIntent(form({ intent: "delete", id: "123456789012345" }))).toEqual({
      ok: true,
      value: { intent: "delete", id: 123456789012345 },
    });
  });

  it(`accepts a task of exactly ${TASK_MAX_LENGTH} characters`, () => {
    expect(TASK_MAX_LENGTH).toBe(500);
    const task = "x".repeat(500);
    expect(parseTodoIntent(form({ intent: "create", task }))).toEqual({
      ok: true,
      value: { intent: "create", task },
    });
  });

  it("measures the length after trimming", () => {
    const task = "x".repeat(500);
    expect(parseTodoIntent(form({ intent: "create", task: `   ${task}   ` }))).toEqual({
      ok: true,
      value: { intent: "create", task },
    });
  });

  it("ignores fields that do not belong to the intent", () => {
    expect(parseTodoIntent(form({ intent: "toggle", id: "3", task: "", extra: "x" }))).toEqual({
      ok: true,
      value: { intent: "toggle", id: 3 },
    });
  });

  it("reads the first value when a field is repeated", () => {
    const data = form({ intent: "create", task: "first" });
    data.append("task", "");
    expect(parseTodoIntent(data)).toEqual({ ok: true, value: { intent: "create", task: "first" } });
  });
});

describe("invalid tasks", () => {
  it.each([
    ["empty", ""],
    ["whitespace only", " \t\n "],
  ])("%s → %s", (_name, task) => {
    expect(parseTodoIntent(form({ intent: "create", task }))).toEqual({
      ok: false,
      error: ENTER_TASK,
      field: "task",
      intent: "create",
      id: undefined,
    });
  });

  it("missing", () => {
    expect(parseTodoIntent(form({ intent: "create" }))).toMatchObject({
      ok: false,
      error: ENTER_TASK,
      field: "task",
    });
  });

  it("501 characters", () => {
    expect(parseTodoIntent(form({ intent: "create", task: "x".repeat(501) }))).toMatchObject({
      ok: false,
      error: TOO_LONG,
      field: "task",
    });
  });

  it("empty on update keeps the id for the form to show the error in its row", () => {
    expect(parseTodoIntent(form({ intent: "update", id: "9", task: "   " }))).toEqual({
      ok: false,
      error: ENTER_TASK,
      field: "task",
      intent: "update",
      id: "9",
    });
  });
});

describe("invalid ids", () => {
  it.each(["toggle", "delete", "update"])("missing on %s", (intent) => {
    expect(parseTodoIntent(form({ intent, task: "t" }))).toMatchObject({
      ok: false,
      error: MISSING_ID,
      field: "id",
      intent,
    });
  });

  it.each(["abc", "1.5", "-3", "0", "1e3", " 7", "7 ", "", "0x10", "007", "12345678901234567890"])(
    "%j",
    (id) => {
      expect(parseTodoIntent(form({ intent: "toggle", id }))).toEqual({
        ok: false,
        error: BAD_ID,
        field: "id",
        intent: "toggle",
        id,
      });
    },
  );
});

describe("invalid intents", () => {
  it("missing", () => {
    expect(parseTodoIntent(form({ task: "t" }))).toMatchObject({
      ok: false,
      error: UNKNOWN,
      intent: undefined,
    });
  });

  it.each(["archive", "CREATE", "", "__proto__"])("unknown %j", (intent) => {
    expect(parseTodoIntent(form({ intent, task: "t", id: "1" }))).toMatchObject({
      ok: false,
      error: UNKNOWN,
      intent,
    });
  });
});

describe("a File where a string belongs is treated as absent", () => {
  const file = () => new File(["Buy milk"], "task.txt", { type: "text/plain" });

  it("as the task", () => {
    expect(parseTodoIntent(form({ intent: "create", task: file() }))).toMatchObject({
      ok: false,
      error: ENTER_TASK,
      field: "task",
    });
  });

  it("as the id", () => {
    expect(parseTodoIntent(form({ intent: "delete", id: file() }))).toMatchObject({
      ok: false,
      error: MISSING_ID,
      field: "id",
      id: undefined,
    });
  });

  it("as the intent", () => {
    expect(parseTodoIntent(form({ intent: file(), task: "t" }))).toMatchObject({
      ok: false,
      error: UNKNOWN,
      intent: undefined,
    });
  });

  it("even when a string value follows it", () => {
    const data = form({ intent: "create", task: file() });
    data.append("task", "Buy milk");
    expect(parseTodoIntent(data)).toEqual({
      ok: true,
      value: { intent: "create", task: "Buy milk" },
    });
  });
});
