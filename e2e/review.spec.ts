import { expect, test } from "@playwright/test";
import { atHeadOfQueue } from "./owner-db";
import { createTodo, signIn, todoRow, uniqueTask, postAs } from "./support";

for (const javaScriptEnabled of [true, false]) {
  test(`maya flags alice's todo with a note; alice sees it, bob sees nothing (JavaScript ${javaScriptEnabled ? "on" : "off"})`, async ({
    browser,
  }) => {
    const alice = await browser.newPage({ javaScriptEnabled });
    await signIn(alice, "user_alice");
    const task = uniqueTask("Share the offsite budget");
    const id = await createTodo(alice, task);
    await expect(alice.getByRole("link", { name: "Review", exact: true })).toHaveCount(0);

    const maya = await browser.newPage({ javaScriptEnabled });
    await signIn(maya, "user_maya");
    await expect(maya.getByTestId("header-postgres-role")).toHaveText("moderator_backend");
    // Everyone's todos, but no edit controls on alice's row.
    await expect(todoRow(maya, task)).toHaveCount(1);
    await expect(todoRow(maya, task).getByRole("button", { name: /Delete/ })).toHaveCount(0);

    const note = `Budget numbers belong in the finance tracker ${Date.now()}`;
    await atHeadOfQueue([id], async () => {
      await maya.getByRole("link", { name: "Review", exact: true }).click();
      await expect(maya).toHaveURL(/\/review$/);
      const flaggedBefore = Number(await maya.getByTestId("count-flagged").textContent());
      const item = maya.locator(`[data-review-item][data-todo-id="${id}"]`);
      await expect(item).toHaveCount(1);
      await item.getByRole("textbox").fill(note);
      await item.getByRole("combobox", { name: /^Reason to flag/ }).selectOption("off-topic");
      await item.getByRole("button", { name: "Flag" }).click();
      await expect(maya.getByTestId("count-flagged")).toHaveText(String(flaggedBefore + 1));
      await expect(maya.getByRole("region", { name: "Flagged" }).getByText(note)).toBeVisible();
    });

    // A moderator may read alice's todo but not change it: the crafted post is refused.
    const forced = await postAs(maya, "/todos", { intent: "toggle", id: String(id) });
    expect(forced.status()).toBe(404);

    await alice.reload();
    const row = todoRow(alice, task);
    await expect(row.getByTestId("verdict")).toHaveText("flagged");
    await expect(row.getByTestId("review-note")).toContainText(note);
    await expect(row.getByTestId("reviewer")).toHaveText("Maya");
    await expect(row.getByTestId("reviewer")).toHaveAttribute("title", "user_maya");
    await expect(row.getByRole("checkbox")).toHaveAttribute("aria-checked", "false");

    const bob = await browser.newPage({ javaScriptEnabled });
    await signIn(bob, "user_bob");
    await expect(bob.getByText(task)).toHaveCount(0);
    await expect(bob.getByText(note)).toHaveCount(0);
    const bobReview = await bob.request.get("/review", { maxRedirects: 0 });
    expect(bobReview.status()).toBe(403);
    const bobPost = await postAs(bob, "/review", {
      intent: "review",
      id: String(id),
      verdict: "approved",
    });
    expect(bobPost.status()).toBe(403);
    await alice.reload();
    await expect(todoRow(alice, task).getByTestId("verdict")).toHaveText("flagged");
  });
}

test("the moderator's list keeps filters and pages in the URL", async ({ page }) => {
  await signIn(page, "user_maya");
  await page.getByRole("combobox", { name: "Owner" }).selectOption({ label: "Alice (member)" });
  await page.getByRole("combobox", { name: "Status" }).selectOption("open");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/owner=user_alice/);
  await expect(page).toHaveURL(/status=open/);
  for (const owner of await page.getByTestId("todo-owner").allTextContents())
    expect(owner).toBe("Alice");
  const url = page.url();
  await page.goto(url);
  await expect(page.getByRole("combobox", { name: "Owner" })).toHaveValue("user_alice");
  await expect(page.getByRole("combobox", { name: "Status" })).toHaveValue("open");
  const broken = await page.request.get("/todos?after=not-a-cursor");
  expect(broken.status()).toBe(400);
});
