import { expect, test } from "@playwright/test";
import { createTodo, signIn, todoRow, uniqueTask, postAs } from "./support";

test("adam bulk-completes alice's and bob's todos, deletes two after confirming; alice sees it; /audit shows adam", async ({
  browser,
}, testInfo) => {
  const alice = await browser.newPage();
  await signIn(alice, "user_alice");
  const aliceTasks = [uniqueTask("Alice bulk one"), uniqueTask("Alice bulk two")];
  for (const task of aliceTasks) await createTodo(alice, task);
  const bob = await browser.newPage();
  await signIn(bob, "user_bob");
  const bobTasks = [uniqueTask("Bob bulk one"), uniqueTask("Bob bulk two")];
  for (const task of bobTasks) await createTodo(bob, task);

  const adam = await browser.newPage();
  await signIn(adam, "user_adam");
  await expect(adam.getByTestId("header-postgres-role")).toHaveText("admin_backend");
  const all = [...aliceTasks, ...bobTasks];
  const checkbox = (task: string) => todoRow(adam, task).getByRole("checkbox", { name: /Select/ });

  // A click, then a shift-click: the four new todos are adjacent (newest first), so the range selects all four.
  await checkbox(all[3]).click();
  await checkbox(all[0]).click({ modifiers: ["Shift"] });
  for (const task of all) await expect(checkbox(task)).toBeChecked();
  await expect(adam.getByText("Selected rows (4)")).toBeVisible();
  await adam.getByRole("button", { name: "Mark complete" }).click();
  await expect(adam.getByTestId("flash")).toHaveText("Marked 4 todos complete.");
  for (const task of all)
    await expect(todoRow(adam, task).getByRole("checkbox", { name: /Reopen/ })).toHaveAttribute(
      "aria-checked",
      "true",
    );
  await adam.screenshot({ path: testInfo.outputPath("adam-todos.png"), fullPage: true });

  await checkbox(aliceTasks[0]).click();
  await checkbox(bobTasks[0]).click();
  await adam.getByRole("button", { name: "Delete…" }).click();
  const dialog = adam.getByRole("alertdialog");
  await expect(dialog).toContainText("Delete 2 todos?");
  // Nothing is gone until confirmed.
  await expect(todoRow(adam, aliceTasks[0])).toHaveCount(1);
  await dialog.getByRole("button", { name: "Delete 2 todos" }).click();
  await expect(adam.getByTestId("flash")).toHaveText("Deleted 2 todos.");
  await expect(todoRow(adam, aliceTasks[0])).toHaveCount(0);
  await expect(todoRow(adam, bobTasks[0])).toHaveCount(0);

  await alice.reload();
  await expect(todoRow(alice, aliceTasks[0])).toHaveCount(0);
  await expect(todoRow(alice, aliceTasks[1]).getByRole("checkbox")).toHaveAttribute(
    "aria-checked",
    "true",
  );

  await adam.getByRole("link", { name: "Audit" }).click();
  await expect(adam).toHaveURL(/\/audit$/);
  const entries = adam
    .getByTestId("audit-entry")
    .filter({ has: adam.getByTestId("audit-actor").getByText("Adam", { exact: true }) });
  await expect(
    adam
      .locator('[data-testid="audit-entry"][data-actor="user_adam"][data-action="delete"]')
      .first(),
  ).toBeVisible();
  await expect(
    adam
      .locator('[data-testid="audit-entry"][data-actor="user_adam"][data-action="update"]')
      .first(),
  ).toBeVisible();
  expect(await entries.count()).toBeGreaterThanOrEqual(6);
  await adam.getByLabel("Actor").fill("user_adam");
  await adam.locator("select[name=action]").selectOption("delete");
  await adam.getByRole("button", { name: "Apply" }).click();
  await expect(adam).toHaveURL(/actor=user_adam/);
  for (const action of await adam
    .getByTestId("audit-entry")
    .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-action"))))
    expect(action).toBe("delete");
});

test("bulk editing without JavaScript: plain form posts and a server confirmation", async ({
  browser,
}) => {
  const alice = await browser.newPage({ javaScriptEnabled: false });
  await signIn(alice, "user_alice");
  const task = uniqueTask("No-JS bulk target");
  await createTodo(alice, task);

  const adam = await browser.newPage({ javaScriptEnabled: false });
  await signIn(adam, "user_adam");
  await todoRow(adam, task)
    .getByRole("checkbox", { name: /Select/ })
    .check();
  await adam.getByRole("button", { name: "Delete…" }).click();
  await expect(adam.getByRole("alertdialog")).toContainText("Delete 1 todo?");
  await adam.getByRole("button", { name: "Delete 1 todo" }).click();
  await expect(adam.getByTestId("flash")).toHaveText("Deleted 1 todo.");
  await alice.reload();
  await expect(todoRow(alice, task)).toHaveCount(0);
});

test("members and moderators are refused bulk edits and the audit log", async ({ browser }) => {
  for (const identity of ["user_bob", "user_maya"]) {
    const page = await browser.newPage();
    await signIn(page, identity);
    await expect(page.getByRole("button", { name: "Mark complete" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Audit" })).toHaveCount(0);
    const bulk = await postAs(page, "/todos/bulk", {
      intent: "bulk",
      action: "complete",
      scope: "filter",
    });
    expect(bulk.status(), identity).toBe(403);
    expect((await page.request.get("/audit", { maxRedirects: 0 })).status(), identity).toBe(403);
    await page.close();
  }
});
