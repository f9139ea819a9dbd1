import { expect, test, type Page } from "@playwright/test";
import { atHeadOfQueue } from "./owner-db";
import { createTodo, postAs, signIn, uniqueTask } from "./support";

/**
 * The review queue worked as a team: Maya claims, Rita (a second
 * moderator) sees it claimed by Maya and cannot take it, Maya flags with a
 * reason chosen by keyboard, and what a moderator escalates comes first for
 * Adam, who resolves it. Every claim made here ends (a verdict ends it), so
 * no later spec meets one.
 */

const item = (page: Page, region: string, id: number) =>
  page.getByRole("region", { name: region }).locator(`[data-review-item][data-todo-id="${id}"]`);

async function aliceTodos(page: Page, labels: string[]) {
  await signIn(page, "user_alice");
  const ids: number[] = [];
  for (const label of labels) ids.push(await createTodo(page, uniqueTask(label)));
  return ids;
}

test("Maya claims; Rita sees it claimed by Maya without reloading; Maya flags by keyboard with a reason; Adam sees the escalation first and resolves it", async ({
  browser,
}) => {
  const [claimed, escalated] = await aliceTodos(await browser.newPage(), [
    "Print the quarterly posters",
    "Reply to the angry customer",
  ]);
  await atHeadOfQueue([claimed, escalated], async () => {
    const maya = await browser.newPage();
    await signIn(maya, "user_maya");
    await maya.goto("/review");
    const rita = await browser.newPage();
    await signIn(rita, "user_rita");
    await rita.goto("/review");
    await expect(
      item(rita, "Unreviewed", claimed).getByRole("button", { name: "Approve" }),
    ).toBeVisible();

    await item(maya, "Unreviewed", claimed).getByRole("button", { name: "Claim" }).click();
    await expect(item(maya, "Unreviewed", claimed).getByTestId("claimed-by-you")).toBeVisible();

    // Rita's open page catches up when its window regains focus.
    await rita.evaluate(() => window.dispatchEvent(new Event("focus")));
    const seenByRita = item(rita, "Unreviewed", claimed);
    await expect(seenByRita.getByTestId("claimed-by")).toContainText("Claimed by Maya");
    await expect(seenByRita.getByRole("button", { name: /Approve|Flag|Claim/ })).toHaveCount(0);
    const forced = await postAs(rita, "/review", { intent: "claim", id: String(claimed) });
    expect(forced.status()).toBe(409);
    expect(await forced.text()).toContain("Already claimed by Maya.");

    // f with no reason chosen goes to the reason list; letters pick a reason there, and Tab reaches Flag.
    const mine = item(maya, "Unreviewed", claimed);
    await mine.focus();
    await maya.keyboard.press("f");
    const reason = mine.getByRole("combobox", { name: /^Reason to flag/ });
    await expect(reason).toBeFocused();
    await maya.keyboard.press("d");
    await expect(reason).toHaveValue("duplicate");
    await maya.keyboard.press("Tab");
    await maya.keyboard.press("Tab");
    await expect(mine.getByRole("button", { name: "Flag" })).toBeFocused();
    await maya.keyboard.press("Enter");
    const flagged = item(maya, "Flagged", claimed);
    await expect(flagged).toContainText("Flagged by Maya as duplicate");
    await expect(flagged.getByRole("button", { name: "Claim" })).toBeVisible();

    // Rita escalates another todo to the admins, with a reason and a note.
    await rita.reload();
    const toEscalate = item(rita, "Unreviewed", escalated);
    await toEscalate.getByText("Escalate to admins…").click();
    await toEscalate.getByRole("combobox", { name: /^Reason to escalate/ }).selectOption("abuse");
    await toEscalate
      .getByRole("textbox", { name: /^Note to the admins/ })
      .fill("Threatening wording");
    await toEscalate.getByRole("button", { name: "Escalate" }).click();
    await expect(item(rita, "Unreviewed", escalated)).toContainText("escalated");
    await expect(item(rita, "Escalated to admins", escalated)).toContainText(
      "Escalated by Rita as abuse: “Threatening wording”",
    );
    await expect(
      item(rita, "Escalated to admins", escalated).getByRole("button", { name: "Resolve" }),
    ).toHaveCount(0);

    const adam = await browser.newPage();
    await signIn(adam, "user_adam");
    await adam.goto("/review");
    await expect(adam.getByRole("heading", { level: 2 }).first()).toHaveText("Escalated to admins");
    const forAdam = item(adam, "Escalated to admins", escalated);
    await expect(forAdam).toContainText("Escalated by Rita as abuse");
    await forAdam.getByRole("button", { name: "Resolve" }).click();
    await expect(item(adam, "Escalated to admins", escalated)).toHaveCount(0);
    // Moderators see escalations last, after their own work.
    await expect(rita.getByRole("heading", { level: 2 }).last()).toHaveText("Escalated to admins");
  });
});

test("without JavaScript: claim, a flag without a reason refused with the message, then a flag with one", async ({
  browser,
}) => {
  const [id] = await aliceTodos(await browser.newPage({ javaScriptEnabled: false }), [
    "Archive last year's invoices",
  ]);
  await atHeadOfQueue([id], async () => {
    const maya = await browser.newPage({ javaScriptEnabled: false });
    await signIn(maya, "user_maya");
    await maya.goto("/review");
    await item(maya, "Unreviewed", id).getByRole("button", { name: "Claim" }).click();
    await expect(maya).toHaveURL(/\/review$/);
    await expect(item(maya, "Unreviewed", id).getByTestId("claimed-by-you")).toBeVisible();

    await item(maya, "Unreviewed", id).getByRole("button", { name: "Flag" }).click();
    await expect(maya.getByRole("alert")).toHaveText("Choose a reason for the flag.");
    await item(maya, "Unreviewed", id)
      .getByRole("combobox", { name: /^Reason to flag/ })
      .selectOption("spam");
    await item(maya, "Unreviewed", id).getByRole("button", { name: "Flag" }).click();
    await expect(item(maya, "Flagged", id)).toContainText("Flagged by Maya as spam");
    await expect(item(maya, "Flagged", id).getByTestId("claimed-by-you")).toHaveCount(0);
  });
});
