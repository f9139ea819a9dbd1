import { describe, expect, it } from "vitest";
import { TASK_MAX_LENGTH } from "../../db/limits";
import { parseForm } from "../lib/form.server";
import { respond } from "../testing/routes";
import { todoIntent, todoIntentError } from "./intents.server";

// The messages are the user-facing contract (shown next to the form), so
// they are spelled out here rather than imported.
const ENTER_TASK = "Enter a task.";
const TOO_LONG = "A task can be at most 500 characters.";
const MISSING_ID = "Missing todo id.";
const BAD_ID = "The todo id must be a positive whole number.";
const UNKNOWN = "Unknown action.";

/** The intent, or the 400 reply POST /todos gives for it. */
async function parseTodoIntent(data: FormData) {
  const parsed = parseForm(todoIntent, data, todoIntentError);
  if (parsed.ok) return parsed;
  const response = await respond(parsed.response);
  expect(response.status).toBe(400);
  return { ok: false, ...(await response.json()) };
}

function form(fields: Record<string, string | Blob>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.append(key, value);
  return data;
}

describe("valid intents", () => {
  it("create trims the task", async () => {
    expect(await parseTodoIntent(form({ intent: "create", task: "  Buy milk \n" }))).toEqual({
      ok: true,
      value: { intent: "create", task: "Buy milk" },
    });
  });

  it("update turns the id into a number and trims the task", async () => {
    expect(
      await parseTodoIntent(form({ intent: "update", id: "42", task: "\tRenamed  " })),
    ).toEqual({
      ok: true,
      value: { intent: "update", id: 42, task: "Renamed" },
    });
  });

  it("toggle", async () => {
    expect(await parseTodoIntent(form({ intent: "toggle", id: "7" }))).toEqual({
      ok: true,
      value: { intent: "toggle", id: 7 },
    });
  });

  it("delete", async () => {
    expect(await parseTodoIntent(form({ intent: "delete", id: "123456789012345" }))).toEqual({
      ok: true,
      value: { intent: "delete", id: 123456789012345 },
    });
  });

  it(`accepts a task of exactly ${TASK_MAX_LENGTH} characters`, async () => {
    expect(TASK_MAX_LENGTH).toBe(500);
    const task = "x".repeat(500);
    expect(await parseTodoIntent(form({ intent: "create", task }))).toEqual({
      ok: true,
      value: { intent: "create", task },
    });
  });

  it("measures the length after trimming", async () => {
    const task = "x".repeat(500);
    expect(await parseTodoIntent(form({ intent: "create", task: `   ${task}   ` }))).toEqual({
      ok: true,
      value: { intent: "create", task },
    });
  });

  it("ignores fields that do not belong to the intent", async () => {
    expect(
      await parseTodoIntent(form({ intent: "toggle", id: "3", task: "", extra: "x" })),
    ).toEqual({
      ok: true,
      value: { intent: "toggle", id: 3 },
    });
  });

  it("reads the first value when a field is repeated", async () => {
    const data = form({ intent: "create", task: "first" });
    data.append("task", "");
    expect(await parseTodoIntent(data)).toEqual({
      ok: true,
      value: { intent: "create", task: "first" },
    });
  });
});

describe("invalid tasks", () => {
  it.each([
    ["empty", ""],
    ["whitespace only", " \t\n "],
  ])("%s → %s", async (_name, task) => {
    expect(await parseTodoIntent(form({ intent: "create", task }))).toEqual({
      ok: false,
      error: ENTER_TASK,
      field: "task",
      intent: "create",
      id: undefined,
    });
  });

  it("missing", async () => {
    expect(await parseTodoIntent(form({ intent: "create" }))).toMatchObject({
      ok: false,
      error: ENTER_TASK,
      field: "task",
    });
  });

  it("501 characters", async () => {
    expect(await parseTodoIntent(form({ intent: "create", task: "x".repeat(501) }))).toMatchObject({
      ok: false,
      error: TOO_LONG,
      field: "task",
    });
  });

  it("empty on update keeps the id for the form to show the error in its row", async () => {
    expect(await parseTodoIntent(form({ intent: "update", id: "9", task: "   " }))).toEqual({
      ok: false,
      error: ENTER_TASK,
      field: "task",
      intent: "update",
      id: "9",
    });
  });
});

describe("invalid ids", () => {
  it.each(["toggle", "delete", "update"])("missing on %s", async (intent) => {
    expect(await parseTodoIntent(form({ intent, task: "t" }))).toMatchObject({
      ok: false,
      error: MISSING_ID,
      field: "id",
      intent,
    });
  });

  it.each(["abc", "1.5", "-3", "0", "1e3", " 7", "7 ", "", "0x10", "007", "12345678901234567890"])(
    "%j",
    async (id) => {
      expect(await parseTodoIntent(form({ intent: "toggle", id }))).toEqual({
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
  it("missing", async () => {
    expect(await parseTodoIntent(form({ task: "t" }))).toEqual({
      ok: false,
      error: UNKNOWN,
      field: "intent",
    });
  });

  it.each(["archive", "CREATE", "", "__proto__"])("unknown %j", async (intent) => {
    expect(await parseTodoIntent(form({ intent, task: "t", id: "1" }))).toMatchObject({
      ok: false,
      error: UNKNOWN,
      intent,
    });
  });
});

describe("a File where a string belongs is treated as absent", () => {
  const file = () => new File(["Buy milk"], "task.txt", { type: "text/plain" });

  it("as the task", async () => {
    expect(await parseTodoIntent(form({ intent: "create", task: file() }))).toMatchObject({
      ok: false,
      error: ENTER_TASK,
      field: "task",
    });
  });

  it("as the id", async () => {
    expect(await parseTodoIntent(form({ intent: "delete", id: file() }))).toEqual({
      ok: false,
      error: MISSING_ID,
      field: "id",
      intent: "delete",
    });
  });

  it("as the intent", async () => {
    expect(await parseTodoIntent(form({ intent: file(), task: "t" }))).toEqual({
      ok: false,
      error: UNKNOWN,
      field: "intent",
    });
  });

  it("even when a string value follows it", async () => {
    const data = form({ intent: "create", task: file() });
    data.append("task", "Buy milk");
    expect(await parseTodoIntent(data)).toEqual({
      ok: true,
      value: { intent: "create", task: "Buy milk" },
    });
  });
});
