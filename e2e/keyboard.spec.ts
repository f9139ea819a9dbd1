import { expect, test, type Locator, type Page } from "@playwright/test";
import { atHeadOfQueue } from "./owner-db";
import { createTodo, signIn, todoRow, uniqueTask } from "./support";

/**
 * The keyboard alone: focus lands on what a form post produced, every stop
 * shows where focus is, tab order follows the page as it is laid out at
 * every width, the header's menu opens and closes from the keyboard, and
 * the review queue's shortcuts are discoverable and never fire while typing.
 */

/** Presses Tab until `target` has focus, as a keyboard user would get there. */
async function tabTo(page: Page, target: Locator, most = 120) {
  for (let stop = 0; stop < most; stop++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  throw new Error(`${target} not reached in ${most} presses of Tab`);
}

/** Lets the page finish reacting to the last key: two frames, then the tasks they queued. */
const settle = (page: Page) =>
  page.evaluate(
    () =>
      new Promise((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0))),
      ),
  );

test("alice does it all from the keyboard: add, complete, delete, undo; focus lands on each result", async ({
  page,
}) => {
  await signIn(page, "user_alice");
  await page.waitForLoadState("load");
  const newTask = page.getByRole("textbox", { name: "New todo" });
  await tabTo(page, newTask);
  const task = uniqueTask("Typed, not clicked");
  await page.keyboard.type(task);
  await page.keyboard.press("Enter");
  const row = todoRow(page, task);
  await expect(row).toHaveCount(1);

  const toggle = row.getByRole("checkbox", { name: `Complete “${task}”` });
  await tabTo(page, toggle);
  await page.keyboard.press("Space");
  await expect(row.getByRole("checkbox")).toHaveAttribute("aria-checked", "true");

  await tabTo(page, row.getByRole("button", { name: `Delete “${task}”` }));
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("flash")).toHaveText(`Deleted “${task}”.`);
  await expect(page.getByTestId("flash-panel")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByTestId("flash-panel").getByRole("button", { name: "Undo" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("flash")).toHaveText(/^Undone: transaction \d+ is reverted\.$/);
  await expect(todoRow(page, task)).toHaveCount(1);
});

test("after a 400 focus goes to the error beside the field; after a bulk action, to the result", async ({
  page,
}) => {
  await signIn(page, "user_adam");
  await page.waitForLoadState("load");
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page.locator("#new-task-error")).toHaveText("Enter a task.");
  await expect(page.locator("#new-task-error")).toBeFocused();

  const task = uniqueTask("Edited to nothing");
  await createTodo(page, task);
  const row = todoRow(page, task);
  await row.getByText("Edit", { exact: true }).click();
  await row.getByLabel(/New text for/).fill("   ");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByRole("alert")).toHaveText("Enter a task.");
  await expect(row.getByRole("alert")).toBeFocused();
  await expect(row.getByLabel(/New text for/)).toHaveAttribute("aria-describedby", /error/);

  await row.getByRole("checkbox", { name: /Select/ }).check();
  await page.getByRole("button", { name: "Mark complete" }).click();
  await expect(page.getByTestId("flash")).toHaveText("Marked 1 todo complete.");
  await expect(page.getByTestId("flash-panel")).toBeFocused();
});

test("an error page takes focus, so the keyboard starts from what went wrong", async ({ page }) => {
  await signIn(page, "user_alice");
  await page.goto("/todos/999999999");
  await expect(page.getByRole("alert")).toContainText("Not found");
  await expect(page.getByRole("alert")).toBeFocused();
});

test("the header's menu on a phone: opens with Enter, holds the switcher, closes with Escape back on its summary", async ({
  page,
}) => {
  await signIn(page, "user_maya");
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto("/todos");
  await page.waitForLoadState("load");
  const identity = page.getByRole("combobox", { name: "Identity" });
  await expect(identity).toBeHidden();
  const summary = page.locator("summary", { hasText: "Account" });
  await tabTo(page, summary);
  await page.keyboard.press("Enter");
  await expect(identity).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByTestId("header-user")).toHaveText("user_maya");
  await tabTo(page, identity);
  await page.keyboard.press("Escape");
  await expect(identity).toBeHidden();
  await expect(summary).toBeFocused();
  // At a desktop's width there is no menu to open: everything shows.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(summary).toBeHidden();
  await expect(identity).toBeVisible();
});

test("review shortcuts: ? lists them, Escape closes the list; a, f, j, k never fire while typing or with a modifier", async ({
  browser,
}) => {
  const alice = await browser.newPage();
  await signIn(alice, "user_alice");
  const id = await createTodo(alice, uniqueTask("Shortcut target"));
  const another = await createTodo(alice, uniqueTask("Another shortcut target"));
  await atHeadOfQueue([id, another], async () => {
    const page = await browser.newPage();
    await signIn(page, "user_maya");
    await page.goto("/review");
    await page.waitForLoadState("load");
    const posts: string[] = [];
    page.on(
      "request",
      (request) => void (request.method() === "POST" && posts.push(request.url())),
    );
    const item = page.locator(`[data-review-item][data-todo-id="${id}"]`);
    const note = item.getByRole("textbox");

    // Typed into the note, the keys are text.
    await note.click();
    await page.keyboard.type("a fine ? jk");
    await settle(page);
    await expect(note).toHaveValue("a fine ? jk");
    await expect(page.getByRole("dialog")).toBeHidden();
    await expect(note).toBeFocused();

    // With a modifier they are the browser's, not the queue's.
    await item.focus();
    await page.keyboard.press("Control+a");
    await page.keyboard.press("Alt+f");
    await settle(page);
    expect(posts).toEqual([]);
    await expect(item).toBeVisible();

    // "?" shows the list; focus goes into it, Escape closes it and gives focus back.
    await page.keyboard.press("?");
    const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await expect(dialog).toBeVisible();
    for (const key of ["j", "k", "a", "f", "?"])
      await expect(
        dialog.getByTestId("shortcuts").locator("kbd").getByText(key, { exact: true }),
      ).toHaveCount(1);
    await expect(dialog.getByRole("button", { name: "Close" })).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(item).toBeFocused();

    // On an item, with nothing held, they act: j and k move, a approves and moves on to the next item.
    const items = page.locator("[data-review-item]");
    await items.first().focus();
    await page.keyboard.press("j");
    await expect(items.nth(1)).toBeFocused();
    await page.keyboard.press("k");
    await expect(items.first()).toBeFocused();
    const approved = await items.first().getAttribute("data-todo-id");
    const next = await items.nth(1).getAttribute("data-todo-id");
    const approvedBefore = Number(await page.getByTestId("count-approved").textContent());
    await page.keyboard.press("a");
    await expect(page.getByTestId("count-approved")).toHaveText(String(approvedBefore + 1));
    await expect(page.getByTestId("flash")).toHaveText(`Approved todo #${approved}.`);
    // The message is announced, but it does not take focus from where the queue moved on to.
    await expect(page.locator(`[data-review-item][data-todo-id="${next}"]`)).toBeFocused();
    expect(posts).toHaveLength(1);
  });
});

/** Every tab stop from the top of the page: where it is, and whether it shows focus. */
async function tabStops(page: Page, most: number) {
  await page.locator("body").focus();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const stops = [];
  for (let index = 0; index < most; index++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return null;
      const style = getComputedStyle(element);
      const { top, bottom, left } = element.getBoundingClientRect();
      const ringed = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
      return {
        what: `<${element.tagName.toLowerCase()}> "${(element.getAttribute("aria-label") ?? element.textContent ?? "").trim().slice(0, 30)}"`,
        top: top + window.scrollY,
        bottom: bottom + window.scrollY,
        left,
        visible: ringed || style.boxShadow !== "none",
      };
    });
    if (!stop) break;
    stops.push(stop);
  }
  return stops;
}

for (const [userId, path] of [
  ["user_adam", "/todos"],
  ["user_maya", "/review"],
  ["user_adam", "/audit"],
] as const) {
  test(`${path} as ${userId}: every tab stop shows focus, in the order the page reads at 360, 768 and 1280 px`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await signIn(page, userId);
    for (const width of [360, 768, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(path);
      await page.waitForLoadState("load");
      const stops = await tabStops(page, 60);
      expect(stops.length, `${path} at ${width} px`).toBeGreaterThan(10);
      expect
        .soft(
          stops.filter((stop) => !stop.visible).map((stop) => stop.what),
          `${path} at ${width} px: stops without a visible focus`,
        )
        .toEqual([]);
      // Each stop is on the same line as the one before and to its right, or below it.
      const backwards = stops.slice(1).flatMap((stop, index) => {
        const before = stops[index];
        const sameLine =
          Math.min(before.bottom, stop.bottom) - Math.max(before.top, stop.top) >
          0.5 * Math.min(before.bottom - before.top, stop.bottom - stop.top);
        const ahead = sameLine ? stop.left >= before.left - 1 : stop.top >= before.bottom - 1;
        return ahead ? [] : [`${before.what} → ${stop.what}`];
      });
      expect.soft(backwards, `${path} at ${width} px: tab order against the layout`).toEqual([]);
    }
  });
}
