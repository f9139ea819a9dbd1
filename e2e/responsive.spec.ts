import { copyFile, mkdir } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { VISITORS, signInAs } from "./pages";
import { createTodo, postAs, signIn, todoRow } from "./support";

/**
 * Every page of every role at a phone's, a tablet's and a desktop's width:
 * nothing scrolls sideways, and task text keeps a readable column (it wraps
 * at words, and breaks a long URL rather than the layout). Full-page
 * screenshots of each go to the test's output; with UPDATE_SCREENSHOTS=1 the
 * two the README shows are written to docs/screenshots/ too.
 */

const WIDTHS = [360, 768, 1280] as const;
/** The narrowest a task's text may be laid out at each width. */
const MIN_TEXT_WIDTH: Record<(typeof WIDTHS)[number], number> = { 360: 160, 768: 320, 1280: 400 };
const TEXT =
  '[data-testid="todo-task"], [data-testid="review-task"], [data-testid="todo-page-task"], [data-testid="timeline-event"]';

/** Screenshots kept in the repository: `${path}-${width}-${user}` → file. */
const KEPT: Record<string, string> = {
  "/todos-360-user_adam": "docs/screenshots/todos-360-adam.png",
  "/review-360-user_maya": "docs/screenshots/review-360-maya.png",
};

const LONG_URL =
  "https://status.example.com/incidents/2026-04-12/database-failover-postmortem-and-follow-up-actions-for-the-platform-team";
const LONG_TASKS = [
  `Read the incident write-up at ${LONG_URL} before Friday's meeting`,
  "Collect the quarterly numbers from every regional office, reconcile them with the finance team's spreadsheet, and write a one-page summary the board can read in five minutes",
  "Rename the service to Pneumonoultramicroscopicsilicovolcanoconiosis-Antidisestablishmentarianism-Supercalifragilistic",
];

// Once per server: a failed test starts a new worker, which runs this again.
test.beforeAll(async ({ browser }) => {
  const alice = await browser.newPage();
  await signIn(alice, "user_alice");
  if ((await todoRow(alice, LONG_TASKS[0]).count()) > 0) return void (await alice.close());
  for (const task of LONG_TASKS) await createTodo(alice, task);
  // An edit and a flag with a long note, so the history and the review note have long lines too.
  const edited = `${LONG_TASKS[2]} (and tell everyone)`;
  const row = todoRow(alice, LONG_TASKS[2]);
  await row.getByText("Edit", { exact: true }).click();
  await row.getByLabel(/New text for/).fill(edited);
  await row.getByRole("button", { name: "Save" }).click();
  await expect(todoRow(alice, edited)).toHaveCount(1);
  const flagged = await todoRow(alice, LONG_TASKS[0]).getAttribute("data-todo-id");
  const maya = await browser.newPage();
  await signIn(maya, "user_maya");
  const review = await postAs(maya, "/review", {
    intent: "review",
    id: String(flagged),
    verdict: "flagged",
    reason: "other",
    note: `Link the runbook too: ${LONG_URL}/runbook`,
  });
  expect(review.status()).toBe(303);
  await Promise.all([alice.close(), maya.close()]);
});

/** Elements wider than the viewport or reaching past either edge, and the document's own scroll width. */
function measure(page: Page, textSelector: string) {
  return page.evaluate((selector) => {
    const width = window.innerWidth;
    const describe = (element: Element) => {
      const { left, right } = element.getBoundingClientRect();
      const id = element.getAttribute("data-testid") ?? element.id;
      return `<${element.tagName.toLowerCase()}${id ? ` ${id}` : ""}> ${Math.round(left)}…${Math.round(right)} "${(element.textContent ?? "").trim().slice(0, 40)}"`;
    };
    const overflowing = [...document.body.querySelectorAll("*")].filter((element) => {
      const rect = element.getBoundingClientRect();
      return (
        rect.width > 0 &&
        rect.height > 0 &&
        (rect.width > width || rect.left < -1 || rect.right > width + 1)
      );
    });
    const texts = [...document.querySelectorAll(selector)]
      .map((element) => ({ width: element.getBoundingClientRect().width, what: describe(element) }))
      .filter((text) => text.width > 0);
    return {
      width,
      scrollWidth: document.documentElement.scrollWidth,
      overflowing: overflowing.map(describe),
      texts,
    };
  }, textSelector);
}

async function checkLayout(page: Page, width: (typeof WIDTHS)[number], where: string) {
  const { scrollWidth, overflowing, texts } = await measure(page, TEXT);
  expect.soft(scrollWidth, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(width);
  expect.soft(overflowing, `${where}: elements past the viewport`).toEqual([]);
  const narrow = texts
    .filter((text) => text.width < MIN_TEXT_WIDTH[width])
    .map((text) => `${Math.round(text.width)} px: ${text.what}`);
  expect.soft(narrow, `${where}: task text narrower than ${MIN_TEXT_WIDTH[width]} px`).toEqual([]);
}

test.describe.configure({ timeout: 180_000 });

for (const visitor of VISITORS) {
  test(`${visitor.label}: every page at ${WIDTHS.join(", ")} px keeps text readable and nothing scrolls sideways`, async ({
    page,
  }, testInfo) => {
    await signInAs(page, visitor);
    const user = visitor.userId ?? "signed-out";
    for (const state of visitor.states) {
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        await state.open(page);
        const where = `${state.name} at ${width} px as ${user}`;
        await checkLayout(page, width, where);
        const name = `${state.name}-${width}-${user}`;
        const shot = testInfo.outputPath(`${name.replace(/[^\w-]+/g, "_")}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        if (process.env.UPDATE_SCREENSHOTS && KEPT[name]) {
          await mkdir("docs/screenshots", { recursive: true });
          await copyFile(shot, KEPT[name]);
        }
      }
    }
    // The header's menu, open on a phone and a tablet, stays on the screen too.
    if (visitor.userId) {
      for (const width of [360, 768] as const) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto("/help");
        await page.locator("summary", { hasText: "Account" }).click();
        await expect(page.getByRole("combobox", { name: "Identity" })).toBeVisible();
        await checkLayout(page, width, `the open header menu at ${width} px as ${user}`);
        await page.screenshot({
          path: testInfo.outputPath(`menu-${width}-${user}.png`),
          fullPage: true,
        });
      }
    }
  });
}
