import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { parseCsv } from "../app/testing/csv";
import { createTodo, postAs, signIn, uniqueTask } from "./support";

/** Clicks an export link and reads the file the browser saved. */
async function download(page: Page, link: string) {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("navigation", { name: "Export" }).getByRole("link", { name: link }).click(),
  ]);
  return { name: file.suggestedFilename(), text: await readFile((await file.path())!, "utf8") };
}

/** The rows the page lists, top to bottom: id and task as shown. */
const listed = (page: Page) =>
  page
    .getByTestId("todo")
    .evaluateAll((rows) =>
      rows.map((row) => [
        row.getAttribute("data-todo-id"),
        row.querySelector('[data-testid="todo-task"]')?.textContent ?? "",
      ]),
    );

test("alice exports her filtered todos: the CSV holds exactly the rows listed, formulas neutralised", async ({
  page,
}) => {
  await signIn(page, "user_alice");
  const label = uniqueTask("export");
  const tasks = [
    `${label} plain`,
    `=HYPERLINK("http://evil.example") ${label}`,
    `${label}, with "quotes"`,
  ];
  for (const task of tasks) await createTodo(page, task);
  await page.getByRole("searchbox").fill(label);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/\?q=/);
  await expect(page.getByTestId("todo")).toHaveCount(3);

  const { name, text } = await download(page, "Export CSV");
  expect(name).toMatch(/^warden-todos-\d{4}-\d{2}-\d{2}\.csv$/);
  const [header, ...records] = parseCsv(text);
  expect(header.slice(0, 5)).toEqual(["id", "task", "owner_id", "owner_name", "status"]);
  const neutralised = (task: string) => (task.startsWith("=") ? `'${task}` : task);
  expect(records.map((record) => [record[0], record[1]])).toEqual(
    (await listed(page)).map(([id, task]) => [id, neutralised(task!)]),
  );
  expect(records.map((record) => [record[2], record[3], record[4]])).toEqual(
    Array(3).fill(["user_alice", "Alice", "open"]),
  );
});

test("adam exports the organization's open todos, more than one page of them, and the audit log", async ({
  page,
}) => {
  await signIn(page, "user_adam");
  const label = uniqueTask("export admin");
  for (let index = 0; index < 27; index++)
    expect(
      (await postAs(page, "/todos", { intent: "create", task: `${label} #${index}` })).status(),
    ).toBe(303);
  await page.goto("/todos?status=open");
  const matching = await page.getByTestId("matching-count").getAttribute("data-count");
  const firstPage = await listed(page);
  expect(firstPage).toHaveLength(25);

  const { text } = await download(page, "Export CSV");
  const [, ...records] = parseCsv(text);
  expect(records.length).toBe(Number(matching));
  expect(records.slice(0, 25).map((record) => [record[0], record[1]])).toEqual(firstPage);
  expect(records.every((record) => record[4] === "open")).toBe(true);
  expect(records.filter((record) => record[1].startsWith(label))).toHaveLength(27);

  await page.goto("/audit?action=insert");
  const entries = await page
    .getByTestId("audit-entry")
    .evaluateAll((rows) =>
      rows.map((row) => [row.getAttribute("data-action"), row.getAttribute("data-todo-id")]),
    );
  const ndjson = await download(page, "Export NDJSON");
  expect(ndjson.name).toMatch(/^warden-audit-\d{4}-\d{2}-\d{2}\.ndjson$/);
  const lines = ndjson.text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(
    lines.slice(0, entries.length).map((line) => [line.action, String(line.todo_id ?? "")]),
  ).toEqual(entries);
  expect(lines.every((line) => line.action === "insert")).toBe(true);
  expect(lines.length).toBeGreaterThanOrEqual(27);
});
