import { expect, test, type Page } from "@playwright/test";
import { ownerDatabase } from "./owner-db";
import { createTodo, signIn, todoRow, uniqueTask } from "./support";

/** Undo of a bulk action and of a single delete, on the server: the rows come back with their ids. */

const idOf = async (page: Page, task: string) =>
  Number(await todoRow(page, task).getAttribute("data-todo-id"));

/** Every column of the rows, as the database's owner sees them. */
async function rowsAsOwner(ids: number[]) {
  const owner = await ownerDatabase();
  try {
    return await owner.query(
      "select to_jsonb(t)::text as row from todos t where id = any($1::bigint[]) order by id",
      [ids],
    );
  } finally {
    await owner.close();
  }
}

test("adam deletes three todos in bulk, clicks Undo, and all three are back with their ids; Undo again deletes them again", async ({
  browser,
}) => {
  const alice = await browser.newPage();
  await signIn(alice, "user_alice");
  const tasks = [uniqueTask("Undo one"), uniqueTask("Undo two"), uniqueTask("Undo three")];
  for (const task of tasks) await createTodo(alice, task);

  const adam = await browser.newPage();
  await signIn(adam, "user_adam");
  const ids = await Promise.all(tasks.map((task) => idOf(adam, task)));
  const before = await rowsAsOwner(ids);
  expect(before).toHaveLength(3);
  for (const task of tasks)
    await todoRow(adam, task)
      .getByRole("checkbox", { name: /Select/ })
      .click();
  await adam.getByRole("button", { name: "Delete…" }).click();
  await adam.getByRole("alertdialog").getByRole("button", { name: "Delete 3 todos" }).click();
  await expect(adam.getByTestId("flash")).toHaveText("Deleted 3 todos.");
  for (const task of tasks) await expect(todoRow(adam, task)).toHaveCount(0);

  await adam.getByTestId("flash-panel").getByRole("button", { name: "Undo" }).click();
  await expect(adam.getByTestId("flash")).toHaveText(/^Undone: transaction \d+ is reverted\.$/);
  for (const [index, task] of tasks.entries())
    await expect(todoRow(adam, task)).toHaveAttribute("data-todo-id", String(ids[index]));
  expect(await rowsAsOwner(ids)).toEqual(before);

  await adam.getByTestId("flash-panel").getByRole("button", { name: "Undo" }).click();
  await expect(adam.getByTestId("flash")).toHaveText(/^Undone: transaction \d+ is reverted\.$/);
  for (const task of tasks) await expect(todoRow(adam, task)).toHaveCount(0);
  expect(await rowsAsOwner(ids)).toEqual([]);
});

test("without JavaScript: alice deletes her todo and undoes it with a plain form post", async ({
  browser,
}) => {
  const alice = await browser.newPage({ javaScriptEnabled: false });
  await signIn(alice, "user_alice");
  const task = uniqueTask("No-JS undo");
  await createTodo(alice, task);
  const id = await idOf(alice, task);
  const before = await rowsAsOwner([id]);
  await todoRow(alice, task)
    .getByRole("button", { name: `Delete “${task}”` })
    .click();
  await expect(alice.getByTestId("flash")).toHaveText(`Deleted “${task}”.`);
  await expect(todoRow(alice, task)).toHaveCount(0);
  await alice.getByTestId("flash-panel").getByRole("button", { name: "Undo" }).click();
  await expect(todoRow(alice, task)).toHaveAttribute("data-todo-id", String(id));
  expect(await rowsAsOwner([id])).toEqual(before);
});

test("adam reverts a transaction from the audit log after confirming; a second revert is refused and says by which", async ({
  browser,
}) => {
  const alice = await browser.newPage();
  await signIn(alice, "user_alice");
  const task = uniqueTask("Audit revert");
  await createTodo(alice, task);
  const adam = await browser.newPage();
  await signIn(adam, "user_adam");
  const id = await idOf(adam, task);
  await todoRow(adam, task)
    .getByRole("checkbox", { name: /Select/ })
    .click();
  await adam.getByRole("button", { name: "Mark complete" }).click();
  await expect(adam.getByTestId("flash")).toHaveText("Marked 1 todo complete.");

  await adam.goto(`/audit?todo=${id}&action=update`);
  const entry = adam.getByTestId("audit-entry").first();
  await entry.getByRole("button", { name: "Revert this transaction" }).click();
  await expect(entry).toContainText("Put back everything transaction");
  expect((await rowsAsOwner([id]))[0].row).toContain('"is_complete": true');
  await entry.getByRole("button", { name: "Yes, revert it" }).click();
  await expect(adam.getByTestId("flash")).toHaveText(/^Undone: transaction \d+ is reverted\.$/);
  await expect(adam).toHaveURL(new RegExp(`/audit\\?todo=${id}&action=update$`));
  expect((await rowsAsOwner([id]))[0].row).toContain('"is_complete": false');
  // The revert's own entry says which transaction it reverts, and links to it.
  await adam.getByTestId("audit-entry").first().getByTestId("audit-reverts").click();
  await expect(adam).toHaveURL(/\/audit\?tx=\d+$/);
  await expect(adam.getByTestId("audit-entry")).toHaveCount(1);
  await adam.goBack();

  // The revert's own update is now the newest entry; the original is the second transaction listed.
  const original = adam.getByTestId("audit-entry").nth(1);
  await original.getByRole("button", { name: "Revert this transaction" }).click();
  await original.getByRole("button", { name: "Yes, revert it" }).click();
  await expect(adam.getByTestId("revert-error")).toContainText(
    "was already reverted, by transaction",
  );
  await adam.getByRole("link", { name: "Back" }).click();
  await expect(adam).toHaveURL(new RegExp(`/audit\\?todo=${id}&action=update$`));
});
