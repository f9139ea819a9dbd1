import { expect, test, type Locator } from "@playwright/test";
import { DEMO_IDENTITIES } from "../db/demo-identities";
import { ownerDatabase } from "./owner-db";
import { createTodo, postAs, signIn, todoRow, uniqueTask } from "./support";

/**
 * People by name, from the seeded demo directory: Adam, Acme's admin, picks
 * owners from Acme's members and nobody else, sees owners by name, and
 * reassigns to a picked member; the database refuses anyone else.
 */

const ACME = DEMO_IDENTITIES.filter((person) =>
  person.memberships.some((membership) => membership.orgId === "org_acme"),
);
const OUTSIDERS = DEMO_IDENTITIES.filter((person) => !ACME.includes(person));

/** The picker's people: every option but the empty one, as value and text. */
const offered = (picker: Locator) =>
  picker
    .locator("option:not([value=''])")
    .evaluateAll((options) =>
      options.map((option) => ({ id: option.getAttribute("value"), text: option.textContent })),
    );

test("Adam's pickers offer exactly Acme's members, by name", async ({ page }) => {
  const db = await ownerDatabase();
  try {
    await signIn(page, "user_adam");
    // Whoever else the directory holds for Acme by now (another test may have added someone) is offered too: the database is the measure.
    const acmeMembers = (
      await db.query<{ user_id: string }>(
        `select m.user_id from directory.memberships m join directory.users u on u.id = m.user_id
          where m.organization_id = 'org_acme' and m.deleted_at is null and u.deleted_at is null order by m.user_id`,
      )
    ).map((row) => row.user_id);
    expect(acmeMembers).toEqual(expect.arrayContaining(ACME.map((person) => person.userId)));

    for (const picker of [
      page.getByRole("combobox", { name: "New owner" }),
      page.getByRole("combobox", { name: "Owner", exact: true }),
    ]) {
      const options = await offered(picker);
      expect(options.map((option) => option.id).sort()).toEqual(acmeMembers);
      const demo = options
        .filter((option) => ACME.some((person) => person.userId === option.id))
        .map((option) => option.text);
      expect(demo).toEqual([
        "Adam (admin)",
        "Alice (member)",
        "Bob (member)",
        "Maya (moderator)",
        "Rita (moderator)",
      ]);
      for (const outsider of OUTSIDERS) {
        await expect(picker.locator(`option[value="${outsider.userId}"]`)).toHaveCount(0);
        await expect(picker.locator("option", { hasText: outsider.name })).toHaveCount(0);
      }
    }
  } finally {
    await db.close();
  }
});

test("owners, reviewers and actors show by name, the id on hover; someone who left is a former member", async ({
  page,
}) => {
  const db = await ownerDatabase();
  try {
    const leaver = `user_left_${Date.now().toString(36)}`;
    const leftTask = uniqueTask("Left behind");
    const flaggedTask = uniqueTask("Flagged by Maya");
    await db.query("insert into todos (user_id, task) values ($1, $2)", [leaver, leftTask]);
    const [flagged] = await db.query<{ id: string }>(
      "insert into todos (user_id, task) values ('user_alice', $1) returning id",
      [flaggedTask],
    );
    await db.query(
      "insert into todo_reviews (todo_id, reviewer_id, verdict, reason) values ($1, 'user_maya', 'flagged', 'spam')",
      [flagged.id],
    );

    await signIn(page, "user_adam");
    await page.goto(`/todos?q=${encodeURIComponent(flaggedTask)}`);
    const owner = todoRow(page, flaggedTask).getByTestId("todo-owner");
    await expect(owner).toHaveText("Alice");
    await expect(owner).toHaveAttribute("title", "user_alice");
    await expect(todoRow(page, flaggedTask).getByTestId("reviewer")).toHaveText("Maya");
    await expect(todoRow(page, flaggedTask).getByTestId("reviewer")).toHaveAttribute(
      "title",
      "user_maya",
    );
    await page.goto(`/todos?q=${encodeURIComponent(leftTask)}`);
    await expect(todoRow(page, leftTask).getByTestId("todo-owner")).toHaveText(
      `former member ${leaver}`,
    );

    await page.goto("/review");
    const item = page.locator(`[data-review-item][data-todo-id="${flagged.id}"]`);
    await expect(item.getByTestId("review-owner")).toHaveText("Alice");
    await expect(item.getByTestId("reviewer")).toHaveText("Maya");

    // Something Adam did, for the log to name him.
    await page.goto("/todos");
    await createTodo(page, uniqueTask("Adam was here"));
    await page.goto("/audit");
    const adams = page.locator('[data-testid="audit-actor"][data-user-id="user_adam"]');
    await expect(adams.first()).toHaveText("Adam");
    await expect(adams.first()).toHaveAttribute("title", "user_adam");
  } finally {
    await db.close();
  }
});

for (const javaScriptEnabled of [true, false]) {
  test(`Adam reassigns Alice's todo to Bob, picked by name (JavaScript ${javaScriptEnabled ? "on" : "off"})`, async ({
    browser,
  }) => {
    const db = await ownerDatabase();
    try {
      const alice = await browser.newPage({ javaScriptEnabled });
      await signIn(alice, "user_alice");
      const task = uniqueTask("Hand over to Bob");
      const id = await createTodo(alice, task);

      const adam = await browser.newPage({ javaScriptEnabled });
      await signIn(adam, "user_adam");
      await expect(todoRow(adam, task).getByTestId("todo-owner")).toHaveText("Alice");
      await todoRow(adam, task)
        .getByRole("checkbox", { name: /Select/ })
        .check();
      await adam
        .getByRole("combobox", { name: "New owner" })
        .selectOption({ label: "Bob (member)" });
      await adam.getByRole("button", { name: "Reassign", exact: true }).click();

      const dialog = adam.getByRole("alertdialog");
      await expect(dialog.getByRole("heading")).toHaveText("Reassign 1 todo to Bob?");
      await expect(dialog).toContainText("This will reassign 1 todo to Bob (user_bob).");
      // Nothing moves until confirmed.
      expect(await db.query("select user_id from todos where id = $1", [id])).toEqual([
        { user_id: "user_alice" },
      ]);
      await dialog.getByRole("button", { name: "Reassign 1 todo" }).click();

      await expect(adam.getByTestId("flash")).toHaveText("Reassigned 1 todo to Bob (user_bob).");
      await expect(todoRow(adam, task).getByTestId("todo-owner")).toHaveText("Bob");
      expect(await db.query("select user_id from todos where id = $1", [id])).toEqual([
        { user_id: "user_bob" },
      ]);
      await alice.reload();
      await expect(todoRow(alice, task)).toHaveCount(0);
    } finally {
      await db.close();
    }
  });
}

test("a reassign to someone outside Acme is refused, asked or confirmed, and changes nothing", async ({
  page,
}) => {
  const db = await ownerDatabase();
  try {
    await signIn(page, "user_adam");
    const id = await createTodo(page, uniqueTask("Stays with Adam"));
    for (const outsider of [...OUTSIDERS.map((person) => person.userId), "user_nobody"]) {
      for (const confirmed of [{}, { confirmed: "yes" }] as Record<string, string>[]) {
        const response = await postAs(page, "/todos/bulk", {
          intent: "bulk",
          action: "reassign",
          owner: outsider,
          id: String(id),
          ...confirmed,
        });
        expect(response.status(), outsider).toBe(400);
        expect(await response.text()).toContain(
          `${outsider} is not a member of this organization. Nothing was changed.`,
        );
      }
    }
    expect(await db.query("select user_id from todos where id = $1", [id])).toEqual([
      { user_id: "user_adam" },
    ]);
  } finally {
    await db.close();
  }
});
