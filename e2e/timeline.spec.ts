import { expect, test, type Page } from "@playwright/test";
import { createTodo, signIn, todoRow, uniqueTask } from "./support";

const posted = (page: Page) =>
  page.waitForResponse((response) => response.request().method() === "POST");

test("alice edits and completes a todo, opens its page from the title and reads its history by name and role", async ({
  page,
}, testInfo) => {
  await signIn(page, "user_alice");
  const task = uniqueTask("Sketch the timeline");
  const id = await createTodo(page, task);

  const edited = uniqueTask("Sketch the history page");
  const row = todoRow(page, task);
  await row.getByText("Edit", { exact: true }).click();
  await row.getByLabel(/New text for/).fill(edited);
  await row.getByRole("button", { name: "Save" }).click();
  const editedRow = todoRow(page, edited);
  await expect(editedRow).toHaveCount(1);
  await Promise.all([posted(page), editedRow.getByRole("checkbox").click()]);
  await expect(editedRow.getByRole("checkbox")).toHaveAttribute("aria-checked", "true");

  await editedRow.getByRole("link", { name: edited }).click();
  await expect(page).toHaveURL(new RegExp(`/todos/${id}$`));
  await expect(page).toHaveTitle(`${edited} · Warden`);
  await expect(page.getByTestId("todo-page-task")).toHaveText(edited);
  await expect(page.getByTestId("todo-page-status")).toHaveText("complete");

  // Newest first: completed, edited (before → after), created.
  const entries = page.getByTestId("timeline-entry");
  await expect(entries).toHaveCount(3);
  await expect(entries.nth(0).getByTestId("timeline-event")).toHaveText("Marked complete");
  await expect(entries.nth(1).getByTestId("timeline-event")).toHaveText(
    `Edited the task: “${task}” → “${edited}”`,
  );
  await expect(entries.nth(2).getByTestId("timeline-event")).toHaveText(`Created “${task}”`);
  for (const entry of await entries.all()) {
    await expect(entry.getByTestId("timeline-actor")).toHaveText("Alice");
    await expect(entry.getByTestId("timeline-role")).toHaveText("member");
    await expect(entry.locator("time")).toHaveAttribute(
      "dateTime",
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
    );
    await expect(entry).toContainText(/transaction \d+/);
  }
  await page.screenshot({ path: testInfo.outputPath("todo-timeline.png"), fullPage: true });
  await testInfo.attach("todo-timeline", {
    path: testInfo.outputPath("todo-timeline.png"),
    contentType: "image/png",
  });
});

test("bob cannot open alice's todo page; adam follows the audit log's link to her deleted todo", async ({
  browser,
}) => {
  const alice = await browser.newPage();
  await signIn(alice, "user_alice");
  const task = uniqueTask("Cancel the offsite");
  const id = await createTodo(alice, task);

  const bob = await browser.newPage();
  await signIn(bob, "user_bob");
  const refused = await bob.goto(`/todos/${id}`);
  expect(refused?.status()).toBe(404);
  await expect(bob.getByRole("alert")).toContainText("Not found");
  await expect(bob.getByText(task)).toHaveCount(0);

  await Promise.all([
    posted(alice),
    todoRow(alice, task)
      .getByRole("button", { name: /Delete/ })
      .click(),
  ]);
  await expect(todoRow(alice, task)).toHaveCount(0);

  const adam = await browser.newPage();
  await signIn(adam, "user_adam");
  await adam.goto(`/audit?todo=${id}`);
  await adam
    .getByRole("link", { name: `todo #${id}` })
    .first()
    .click();
  await expect(adam).toHaveURL(new RegExp(`/todos/${id}$`));
  await expect(adam.getByTestId("todo-deleted")).toHaveText(
    `This todo was deleted. Its last text was “${task}”.`,
  );
  const entries = adam.getByTestId("timeline-entry");
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(0).getByTestId("timeline-event")).toHaveText(`Deleted “${task}”`);
  await expect(entries.nth(0).getByTestId("timeline-actor")).toHaveText("Alice");
  await expect(entries.nth(0).getByTestId("timeline-role")).toHaveText("member");
});
