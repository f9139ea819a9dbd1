import { expect, test } from "@playwright/test";
import { createTodo, signIn, todoRow, uniqueTask, postAs } from "./support";

for (const javaScriptEnabled of [true, false]) {
  test.describe(`todos with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("alice creates, edits, toggles and deletes a todo", async ({ page }, testInfo) => {
      await signIn(page, "user_alice");
      await expect(page.getByTestId("header-clerk-role")).toHaveText("org:member");
      await expect(page.getByTestId("header-postgres-role")).toHaveText("authenticated_backend");
      await expect(page.getByTestId("database-role")).toHaveText("authenticated_backend");

      const task = uniqueTask("Write the release notes");
      await createTodo(page, task);

      const edited = uniqueTask("Publish the release notes");
      const row = todoRow(page, task);
      await row.getByText("Edit").click();
      await row.getByLabel(/New text for/).fill(`  ${edited}  `);
      await row.getByRole("button", { name: "Save" }).click();
      await expect(todoRow(page, edited)).toHaveCount(1);
      await expect(todoRow(page, task)).toHaveCount(0);

      const editedRow = todoRow(page, edited);
      // The optimistic tick shows before the post lands; a reload must not cancel the post.
      await Promise.all([
        page.waitForResponse((response) => response.request().method() === "POST"),
        editedRow.getByRole("checkbox").click(),
      ]);
      await expect(editedRow.getByRole("checkbox")).toHaveAttribute("aria-checked", "true");
      await page.reload();
      await expect(todoRow(page, edited).getByRole("checkbox")).toHaveAttribute(
        "aria-checked",
        "true",
      );

      if (javaScriptEnabled) {
        await page.screenshot({ path: testInfo.outputPath("alice-todos.png"), fullPage: true });
        await testInfo.attach("alice-todos", {
          path: testInfo.outputPath("alice-todos.png"),
          contentType: "image/png",
        });
      }

      await Promise.all([
        page.waitForResponse((response) => response.request().method() === "POST"),
        todoRow(page, edited)
          .getByRole("button", { name: /Delete/ })
          .click(),
      ]);
      await expect(todoRow(page, edited)).toHaveCount(0);
      await page.reload();
      await expect(todoRow(page, edited)).toHaveCount(0);
    });

    test("bad input is answered beside the form and writes nothing", async ({ page }) => {
      await signIn(page, "user_alice");
      // Counted from the whole page, not from the part of it parsed so far.
      await page.waitForLoadState("load");
      const before = await page.getByTestId("todo").count();
      await page.getByRole("textbox", { name: "New todo" }).fill("   ");
      await page.getByRole("button", { name: "Add" }).click();
      await expect(page.getByRole("alert")).toHaveText("Enter a task.");
      await page.goto("/todos");
      await expect(page.getByTestId("todo")).toHaveCount(before);
    });

    test("bob never sees alice's todos, and his crafted posts change nothing", async ({
      browser,
    }) => {
      const alice = await browser.newPage({ javaScriptEnabled });
      await signIn(alice, "user_alice");
      const task = uniqueTask("Alice's private plan");
      const id = await createTodo(alice, task);

      const bob = await browser.newPage({ javaScriptEnabled });
      await signIn(bob, "user_bob");
      await expect(bob.getByTestId("todo").first()).toBeVisible();
      await expect(bob.getByText(task)).toHaveCount(0);
      await expect(bob.locator(`[data-todo-id="${id}"]`)).toHaveCount(0);
      for (const owner of await bob.getByTestId("todo-owner").allTextContents())
        expect(owner).toBe("Bob");

      const crafted: Record<string, string>[] = [
        { intent: "toggle", id: String(id) },
        { intent: "update", id: String(id), task: "hijacked by bob" },
        { intent: "delete", id: String(id) },
      ];
      for (const form of crafted) {
        const response = await postAs(bob, "/todos", form);
        expect(response.status(), `${form.intent} of alice's todo by bob`).toBe(404);
        expect(await response.text()).toContain("Not found");
      }

      await alice.reload();
      const row = todoRow(alice, task);
      await expect(row).toHaveCount(1);
      await expect(row.getByRole("checkbox")).toHaveAttribute("aria-checked", "false");
      await expect(alice.getByText("hijacked by bob")).toHaveCount(0);
    });
  });
}

test("signed out, /todos redirects to sign in; /healthz answers", async ({ page, request }) => {
  await page.goto("/todos");
  await expect(page).toHaveURL(/\/sign-in\?returnTo=%2Ftodos$/);
  expect((await request.get("/healthz")).status()).toBe(200);
  expect((await (await request.get("/.well-known/jwks.json")).json()).keys[0]).toMatchObject({
    kty: "EC",
    crv: "P-256",
    alg: "ES256",
  });
});
